"""Languages: the browser's language is used, the switch changes it, and every label follows."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, browser, open_page  # noqa: F401 (fixtures)


@pytest.mark.django_db(transaction=True)
def test_switching_to_portuguese_translates_the_chat_page(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/")
    expect(page.get_by_role("link", name="New conversation")).to_be_visible()

    page.select_option("#language-select", "pt-br")

    expect(page.locator("html")).to_have_attribute("lang", "pt-br")
    expect(page.get_by_role("link", name="Nova conversa")).to_be_visible()
    expect(page.get_by_role("button", name="Enviar")).to_be_visible()
    expect(page.get_by_label("Buscar em")).to_contain_text("Todas as minhas coleções")
    expect(page.locator("#question")).to_have_attribute("placeholder", "Pergunte sobre seus documentos…")
    expect(page.get_by_role("heading", name="Fontes")).to_be_visible()
    expect(page.get_by_role("button", name="Sair")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_a_portuguese_browser_gets_portuguese_pages_and_can_switch_back(open_page, alice):
    page = open_page(locale="pt-BR")
    page.goto("/accounts/login/")
    expect(page.get_by_role("heading", name="Entrar no Acervo")).to_be_visible()
    expect(page.get_by_label("Usuário")).to_be_visible()

    page.select_option("#language-select", "en")
    expect(page.get_by_role("heading", name="Log in to Acervo")).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_documents_page_is_translated_too(open_page, alice):
    page = open_page(alice, locale="pt-BR", viewport=PHONE)
    page.goto("/documents/")
    expect(page.get_by_role("heading", name="Documentos", exact=True).first).to_be_visible()
    expect(page.get_by_role("button", name="Escolher arquivos")).to_be_visible()
    expect(page.get_by_text("Solte arquivos ou pastas aqui")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", re.compile("^pt"))


@pytest.mark.django_db(transaction=True)
def test_the_staff_pages_are_translated_and_fit_a_phone(open_page, alice, handbook):
    page = open_page(alice, locale="pt-BR", viewport=PHONE)
    for path, heading in [
        ("/documents/collections/", "Coleções"),
        ("/documents/search/", "Teste de busca"),
        ("/documents/dashboard/", "Painel"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", name=heading, exact=True)).to_be_visible()
        expect(page.get_by_role("navigation", name="Gestão de documentos")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    expect(page.get_by_text("Mediana do tempo até o primeiro token", exact=True)).to_be_visible()


@pytest.mark.django_db(transaction=True)
def test_the_answer_tools_are_translated(open_page, alice, handbook):
    from webapp.chat.models import Conversation, Message

    conversation = Conversation.objects.create(user=alice, title="Férias")
    Message.objects.create(conversation=conversation, role="user", text="Quantos dias de férias?")
    Message.objects.create(conversation=conversation, role="assistant", text="Trinta.", status="done")
    page = open_page(alice, locale="pt-BR")
    page.goto(f"/c/{conversation.pk}/")
    expect(page.get_by_role("button", name="Gerar de novo")).to_be_visible()
    expect(page.get_by_role("button", name="Editar")).to_be_visible()
    expect(page.get_by_role("button", name="Boa resposta")).to_be_visible()
    expect(page.get_by_role("button", name="Opções de “Férias”")).to_be_attached()
