"""Planted markup stays inert: in a document's passages, in an answer, and in a question."""

import pytest
from playwright.sync_api import expect

from tests.browser import ask, browser, open_page, upload, wait_until_answered  # noqa: F401 (fixtures)
from tests.conftest import api_client, wait_for_document
from webapp.chat.models import Message

PLANTS = (
    '<script>window.planted = "script"</script> '
    '<img src="http://example.invalid/x.png" onerror="window.planted = \'img\'"> '
    '[click me](javascript:window.planted="link") '
    '<a href="javascript:window.planted=\'anchor\'">anchor</a> '
    '![remote](http://example.invalid/tracker.png)'
)
DOCUMENT = ("Onboarding checklist. Laptops are handed out on the first day. " + PLANTS + "\n").encode()


@pytest.fixture
def planted(web, worker, alice, handbook):
    with api_client(web, alice) as api:
        document = wait_for_document(upload(api, "onboarding.txt", DOCUMENT))
    assert document.status == "indexed", document.error
    return document


@pytest.mark.django_db(transaction=True)
def test_markup_in_a_document_question_and_answer_stays_text(open_page, alice, planted):
    page = open_page(alice)
    remote, dialogs = [], []
    page.on("request", lambda request: remote.append(request.url) if "example.invalid" in request.url else None)
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.goto("/")
    answer = ask(page, "When are laptops handed out? " + PLANTS, collection="handbook")
    wait_until_answered(answer)
    page.locator(f"#source-{answer.get_attribute('data-message-id')}-1").wait_for()

    expect(page.locator("#source-list mark").first).to_contain_text("<script>window.planted")
    expect(page.locator(".message.user .bubble")).to_contain_text('<img src="http://example.invalid/x.png"')
    assert_inert(page, remote)

    # What a model might repeat from such a document: the tiny test model never writes it by itself.
    Message.objects.filter(pk=answer.get_attribute("data-message-id")).update(text="Laptops on day one [1]. " + PLANTS)
    page.reload()
    answer = page.locator(".message.assistant").last
    expect(answer.locator(".answer")).to_contain_text("<script>window.planted")
    expect(answer.locator(".answer button.cite")).to_have_count(1)
    expect(answer.locator(".answer")).to_contain_text("[click me](javascript:")
    assert_inert(page, remote)
    assert dialogs == []


def assert_inert(page, remote: list[str]) -> None:
    assert page.evaluate("window.planted") is None
    for area in ("#messages", "#sources-panel"):
        expect(page.locator(f"{area} script")).to_have_count(0)
        expect(page.locator(f"{area} img")).to_have_count(0)
        expect(page.locator(f"{area} [onerror]")).to_have_count(0)
        expect(page.locator(f"{area} a[href^='javascript']")).to_have_count(0)
    assert remote == []
