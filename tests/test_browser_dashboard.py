"""The dashboard in a real browser: its numbers and its charts, drawn by the app as inline SVG."""

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, browser, exchange, open_page  # noqa: F401 (fixtures)
from webapp.chat.models import Feedback
from webapp.documents.models import Chunk, Collection, Document


def document(collection, title: str, status: str, chunks: int = 0) -> Document:
    found = Document.objects.create(collection=collection, title=title, file=f"originals/{title}.txt", sha256=title,
                                    status=status, version=1, chunk_count=chunks)
    Chunk.objects.bulk_create(Chunk(document=found, version=1, ordinal=i, text=f"{title} {i}") for i in range(chunks))
    return found


@pytest.fixture
def activity(alice, bob, handbook):
    secret = Collection.objects.create(name="board minutes")  # no group: alice may not read it
    document(handbook, "vacation", "indexed", chunks=3)
    document(handbook, "travel", "indexed", chunks=2)
    document(handbook, "scan", "failed")
    document(secret, "minutes", "indexed", chunks=4)
    mine = [handbook.pk]
    answers = [
        exchange(bob, "How many vacation days?", days_ago=0, collections=mine, ttft_ms=100),
        exchange(bob, "Can I carry days over?", days_ago=0, collections=mine, ttft_ms=200),
        exchange(alice, "Who approves trips?", days_ago=0, collections=mine, ttft_ms=300),
        exchange(bob, "What is the parking policy?", days_ago=2, collections=mine, finish="no_passages"),
        exchange(bob, "When is the board meeting?", days_ago=2, collections=[secret.pk], finish="no_passages"),
        exchange(alice, "Per diem abroad?", days_ago=20, collections=mine, ttft_ms=400),
    ]
    Feedback.objects.create(message=answers[0], user=bob, thumbs_up=True)
    Feedback.objects.create(message=answers[1], user=bob, thumbs_up=True)
    Feedback.objects.create(message=answers[2], user=alice, thumbs_up=False, comment="It forgot the interns.")
    return answers


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_counts_documents_questions_speed_coverage_and_feedback(open_page, alice, activity):
    page = open_page(alice)
    page.goto("/documents/dashboard/")

    expect(page.locator("#tile-documents")).to_have_text("3")
    expect(page.locator("#tile-chunks")).to_have_text("5")
    expect(page.locator("#tile-questions")).to_have_text("6")
    expect(page.locator("#tile-ttft")).to_have_text("250 ms")
    expect(page.locator("#tile-not-found")).to_have_text("33%")
    expect(page.locator("#tile-thumbs")).to_have_text("67%")

    questions = page.locator("figure.column-chart").first
    expect(questions.locator("svg rect.bar")).to_have_count(3)  # three days had questions
    expect(questions.locator("svg rect.bar title").first).to_contain_text(": 1")
    expect(questions.locator("table tr")).to_have_count(30)
    statuses = page.locator("figure.bar-list li")
    expect(statuses.filter(has_text="indexed").locator(".bar-value")).to_have_text("2")
    expect(statuses.filter(has_text="failed").locator(".bar-value")).to_have_text("1")

    unanswered = page.get_by_role("region", name="Recent questions the documents did not cover")
    expect(unanswered.get_by_role("link")).to_have_text(["What is the parking policy?"])
    expect(page.get_by_role("region", name="Recent comments on bad answers")).to_contain_text("It forgot the interns.")
    unanswered.get_by_role("link").click()
    expect(page.get_by_label("Query")).to_have_value("What is the parking policy?")


@pytest.mark.django_db(transaction=True)
def test_a_shorter_period_leaves_older_questions_out_and_the_page_fits_a_phone(open_page, alice, activity):
    page = open_page(alice, viewport=PHONE)
    page.goto("/documents/dashboard/")
    page.get_by_role("link", name="7 days").click()
    expect(page.get_by_role("link", name="7 days")).to_have_attribute("aria-current", "page")
    expect(page.locator("#tile-questions")).to_have_text("5")
    expect(page.locator("#tile-ttft")).to_have_text("200 ms")
    expect(page.locator("figure.column-chart").first.locator("table tr")).to_have_count(7)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
