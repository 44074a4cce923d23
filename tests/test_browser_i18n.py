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
