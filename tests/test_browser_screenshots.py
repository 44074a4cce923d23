"""Screenshots of the chat (an answer with its sources open) and of the documents page, at desktop and
phone widths, for reviewers: `make screenshots` writes them to screenshots/."""

import pytest
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, SCREENSHOTS, ask, browser, open_page, upload, wait_until_answered  # noqa: F401
from tests.conftest import api_client, wait_for_document
from webapp.chat.models import Citation, Message

HANDBOOK = b"""# Employee handbook

## Vacation

Every employee has thirty days of paid vacation per year. Vacation is booked in the HR portal at least
two weeks ahead, and up to ten unused days carry over to the next year.

## Remote work

Remote work is allowed two days per week with the agreement of the team lead. Employees working remotely
must be reachable during core hours, from 10:00 to 16:00.
"""
TRAVEL = b"""# Travel policy

Trips are booked through the travel portal. Economy class is used for flights under six hours.
Receipts are submitted within thirty days of returning.
"""
# The tiny test model writes random words; this is the kind of answer a real model gives, so the
# screenshots show how answers look. Everything else on the page is real.
ANSWER = """Every employee has **thirty days of paid vacation** per year [{vacation}]. A few rules apply:

- Book it in the HR portal at least **two weeks ahead** [{vacation}].
- Up to ten unused days carry over to the next year [{vacation}].

Remote days are separate: two per week, agreed with your team lead [{remote}]."""


@pytest.fixture
def conversation(web, worker, alice, handbook):
    with api_client(web, alice) as api:
        for name, content in (("employee-handbook.md", HANDBOOK), ("travel-policy.md", TRAVEL)):
            assert wait_for_document(upload(api, name, content)).status == "indexed"
    return alice


@pytest.mark.django_db(transaction=True)
def test_chat_screenshots(open_page, conversation):
    page = open_page(conversation, viewport=DESKTOP)
    page.goto("/")
    answer = ask(page, "How many vacation days do I get, and can I carry them over?", collection="handbook")
    wait_until_answered(answer)
    vacation = plant_answer(int(answer.get_attribute("data-message-id")))
    page.reload()
    page.locator(f".message.assistant button.cite[data-n='{vacation}']").first.click()
    expect(page.locator(".source.active")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "chat-desktop.png"))

    phone = open_page(conversation, viewport=PHONE)
    phone.goto(page.url)
    expect(phone.locator(".message.assistant .source-chips button")).not_to_have_count(0)
    phone.screenshot(path=str(SCREENSHOTS / "chat-phone.png"))
    phone.locator(f".message.assistant button.cite[data-n='{vacation}']").first.click()
    expect(phone.locator("#sources-panel")).to_be_in_viewport()
    phone.wait_for_timeout(300)  # the drawer's slide-in
    phone.screenshot(path=str(SCREENSHOTS / "chat-phone-sources.png"))


@pytest.mark.django_db(transaction=True)
def test_documents_screenshots(open_page, conversation):
    page = open_page(conversation, viewport=DESKTOP)
    page.goto("/documents/")
    with page.expect_file_chooser() as chooser:
        page.click("#choose-files")
    chooser.value.set_files([
        {"name": "onboarding-checklist.txt", "mimeType": "text/plain", "buffer": b"Day one: laptop, badge, accounts.\n"},
        {"name": "empty-notes.txt", "mimeType": "text/plain", "buffer": b""},
    ])
    expect(page.locator("tr.doc-row", has_text="onboarding").locator(".status-pill")).to_have_text("indexed", timeout=60_000)
    expect(page.locator("tr.doc-row", has_text="empty-notes").locator(".status-pill")).to_have_text("failed")
    page.screenshot(path=str(SCREENSHOTS / "documents-desktop.png"), full_page=True)

    phone = open_page(conversation, viewport=PHONE)
    phone.goto("/documents/")
    phone.screenshot(path=str(SCREENSHOTS / "documents-phone.png"), full_page=True)


def plant_answer(message_id: int) -> int:
    """Give the answer ANSWER's words, citing the passages it names as the worker would; returns the vacation source's n."""
    citations = Citation.objects.filter(message_id=message_id)
    numbers = {key: citations.get(heading_path__endswith=heading).n for key, heading in (("vacation", "Vacation"), ("remote", "Remote work"))}
    Message.objects.filter(pk=message_id).update(text=ANSWER.format(**numbers), finish_reason="stop")
    citations.update(cited=False)
    citations.filter(n__in=numbers.values()).update(cited=True)
    return numbers["vacation"]
