"""The retrieval-testing page in a real browser: ranked passages, their scores and the search that found them."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import browser, open_page, upload  # noqa: F401 (fixtures)
from tests.conftest import api_client, shared_with_team, wait_for_document
from webapp.documents.models import Chunk, Collection

VACATION = b"# Vacation\n\nEvery employee has thirty days of paid vacation per year, booked in the HR portal.\n"
TRAVEL = b"# Travel\n\nTrips are booked through the travel portal. Receipts are submitted within thirty days.\n"


@pytest.fixture
def library(web, worker, alice, team, handbook):
    travel = Collection.objects.create(name="travel")
    shared_with_team(travel, team)
    with api_client(web, alice) as api:
        ids = [upload(api, "vacation.md", VACATION), upload(api, "travel.md", TRAVEL, collection="travel")]
        documents = [wait_for_document(i) for i in ids]
    assert all(d.status == "indexed" for d in documents)
    return documents


@pytest.mark.django_db(transaction=True)
def test_a_query_shows_ranked_passages_with_scores_and_which_search_found_them(open_page, alice, library):
    vacation, _ = library
    page = open_page(alice)
    page.goto("/documents/search/")
    expect(page.get_by_role("radio", name="Hybrid (dense and lexical)")).to_be_checked()
    page.get_by_label("Query").fill("paid vacation days")
    page.keyboard.press("Enter")

    rows = page.locator(".probe-row")
    expect(rows.first.locator(".probe-title")).to_have_text("vacation")
    expect(rows.first.locator(".score strong")).to_have_text(re.compile(r"^0\.\d{4}$"))
    expect(rows.first.locator(".mode-badge.found")).to_have_text([re.compile(r"^dense #1$"), re.compile(r"^lexical #1$")])
    expect(rows.first.locator(".found-summary")).to_have_text("found by both")
    expect(rows.first.locator("mark.term")).to_have_text(["Vacation", "days", "paid", "vacation"])
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ passages? · Hybrid"))).to_be_visible()

    chunk = Chunk.objects.filter(document=vacation, text__contains="thirty days").first()
    rows.first.get_by_role("link", name="vacation").click()
    expect(page).to_have_url(re.compile(rf"/documents/{vacation.pk}/\?chunk={chunk.ordinal}"))
    expect(page.locator("#extracted-text mark")).to_contain_text("thirty days of paid vacation")


@pytest.mark.django_db(transaction=True)
def test_one_mode_among_chosen_collections(open_page, alice, library):
    page = open_page(alice)
    page.goto("/documents/search/")
    page.get_by_label("Query").fill("thirty days")
    page.get_by_label("travel").check()
    page.get_by_role("radio", name="Lexical (words)").check()
    page.get_by_label("Passages").fill("3")
    page.get_by_role("button", name="Search").click()

    expect(page.locator(".probe-row .probe-title")).to_have_text(["travel"])
    expect(page.locator(".probe-row .mode-badge")).to_have_text(["found by lexical"])
    expect(page.get_by_label("travel")).to_be_checked()
    expect(page.get_by_role("radio", name="Lexical (words)")).to_be_checked()
    expect(page).to_have_url(re.compile(r"mode=sparse"))


@pytest.mark.django_db(transaction=True)
def test_a_link_with_only_a_query_searches_as_the_chat_does(open_page, alice, library):
    page = open_page(alice)
    page.goto("/documents/search/?q=zzzz+qqqq")
    expect(page.get_by_role("radio", name="Hybrid (dense and lexical)")).to_be_checked()
    expect(page.get_by_label("Query")).to_have_value("zzzz qqqq")
    expect(page.locator(".probe-results")).to_be_visible()
