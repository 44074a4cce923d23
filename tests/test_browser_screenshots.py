"""Screenshots for reviewers, written to screenshots/ by `make screenshots`: the chat (an answer with its
sources open, one citation weakly supported), the documents page, a document's text and chunks, the
collections, the retrieval test and the dashboard, at desktop and phone widths."""

import random

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from tests.browser import (  # noqa: F401 (fixtures)
    DESKTOP,
    PHONE,
    REVIEW_SCREENSHOTS,
    ask,
    browser,
    exchange,
    open_page,
    upload,
    wait_until_answered,
)
from tests.conftest import api_client, wait_for_document
from webapp.chat.models import Citation, Feedback, Message

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

Remote days are separate: two per week, agreed with your team lead [{remote}]. Unused remote days
also carry over [{remote}]."""


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
    page.screenshot(path=str(REVIEW_SCREENSHOTS / "chat-desktop.png"))

    phone = open_page(conversation, viewport=PHONE)
    phone.goto(page.url)
    expect(phone.locator(".message.assistant .source-chips button")).not_to_have_count(0)
    phone.screenshot(path=str(REVIEW_SCREENSHOTS / "chat-phone.png"))
    phone.locator(f".message.assistant button.cite[data-n='{vacation}']").first.click()
    expect(phone.locator("#sources-panel")).to_be_in_viewport()
    phone.wait_for_timeout(300)  # the drawer's slide-in
    phone.screenshot(path=str(REVIEW_SCREENSHOTS / "chat-phone-sources.png"))


@pytest.mark.django_db(transaction=True)
def test_document_and_collections_screenshots(open_page, conversation, team, handbook):
    for name in ("hr", "finance"):
        Group.objects.create(name=name)
    page = open_page(conversation, viewport=DESKTOP)
    page.goto("/documents/")
    page.get_by_role("link", name="Employee handbook").click()
    page.locator("#chunk-list a", has_text="Vacation").click()
    expect(page.locator("#extracted-text mark")).to_be_visible()
    page.screenshot(path=str(REVIEW_SCREENSHOTS / "document-desktop.png"))
    page.goto("/documents/collections/")
    page.locator(".collection-card").first.locator("summary", has_text="Edit").click()
    page.screenshot(path=str(REVIEW_SCREENSHOTS / "collections-desktop.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_retrieval_test_screenshots(open_page, conversation):
    query = "/documents/search/?q=how+many+vacation+days+carry+over"
    page = open_page(conversation, viewport=DESKTOP)
    page.goto(query)
    expect(page.locator(".probe-row").first).to_be_visible()
    page.screenshot(path=str(REVIEW_SCREENSHOTS / "retrieval-test-desktop.png"), full_page=True)
    phone = open_page(conversation, viewport=PHONE)
    phone.goto(query)
    phone.locator(".probe-results").evaluate("element => element.scrollIntoView()")
    phone.screenshot(path=str(REVIEW_SCREENSHOTS / "retrieval-test-phone.png"))


@pytest.mark.django_db(transaction=True)
def test_dashboard_screenshots(open_page, conversation, handbook):
    plant_activity(conversation, handbook)
    page = open_page(conversation, viewport=DESKTOP)
    page.goto("/documents/dashboard/")
    page.screenshot(path=str(REVIEW_SCREENSHOTS / "dashboard-desktop.png"), full_page=True)
    phone = open_page(conversation, viewport=PHONE)
    phone.goto("/documents/dashboard/")
    phone.screenshot(path=str(REVIEW_SCREENSHOTS / "dashboard-phone.png"))


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
    page.screenshot(path=str(REVIEW_SCREENSHOTS / "documents-desktop.png"), full_page=True)

    phone = open_page(conversation, viewport=PHONE)
    phone.goto("/documents/")
    phone.screenshot(path=str(REVIEW_SCREENSHOTS / "documents-phone.png"), full_page=True)


def plant_answer(message_id: int) -> int:
    """Give the answer ANSWER's words, citing the passages it names as the worker would; returns the vacation source's n."""
    citations = Citation.objects.filter(message_id=message_id)
    numbers = {key: citations.get(heading_path__endswith=heading).n for key, heading in (("vacation", "Vacation"), ("remote", "Remote work"))}
    Message.objects.filter(pk=message_id).update(text=ANSWER.format(**numbers), finish_reason="stop",
                                                 outcome="answered", reasons=[])
    citations.update(cited=False)
    citations.filter(n__in=numbers.values()).update(cited=True)
    # What the support check says of "Unused remote days also carry over [remote]".
    citations.filter(n=numbers["remote"]).update(weak=True, support=0.31,
                                                 weak_reason=f"[{numbers['remote']}] does not mention unused.")
    return numbers["vacation"]


QUESTIONS = ["How many vacation days do I get?", "Can I work remotely on Fridays?", "Who approves travel?",
             "What is the per diem abroad?", "When are receipts due?", "Is there a parking allowance?"]
COMPLAINTS = ["It did not mention the interns' policy.", "The answer was about 2025, not this year.",
              "Too long; I only needed the number of days.", "It cited the travel policy for a vacation question."]


def plant_activity(user, collection) -> None:
    """A month of questions, answers and feedback, as a team's use of the chat leaves them (seeded: the same every run)."""
    rng = random.Random(7)
    for days_ago in range(30):
        for _ in range(rng.randint(2 if days_ago % 7 > 1 else 0, 9 if days_ago % 7 > 1 else 2)):
            uncovered = rng.random() < 0.12
            answer = exchange(user, rng.choice(QUESTIONS), days_ago=days_ago, collections=[collection.pk],
                              ttft_ms=None if uncovered else round(rng.gauss(420, 90)),
                              finish="no_passages" if uncovered else "stop")
            if rng.random() < 0.3:
                down = rng.random() < 0.2
                feedback = Feedback.objects.create(message=answer, user=user, thumbs_up=not down,
                                                   comment=rng.choice(COMPLAINTS) if down else "")
                Feedback.objects.filter(pk=feedback.pk).update(created_at=answer.created_at)
