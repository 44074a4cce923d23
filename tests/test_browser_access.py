"""A user of another group sees neither the collection, nor its passages, nor its originals."""

import pytest
from playwright.sync_api import expect

from tests.browser import ask, browser, open_page, upload, wait_until_answered  # noqa: F401 (fixtures)
from tests.conftest import api_client, wait_for_document

SECRET = b"Salary bands for 2027: engineers start at band E3. This handbook is for the team only.\n"


@pytest.fixture
def salaries(web, worker, alice, handbook):
    with api_client(web, alice) as api:
        document = wait_for_document(upload(api, "salary-bands.txt", SECRET))
    assert document.status == "indexed", document.error
    return document


@pytest.mark.django_db(transaction=True)
def test_charlie_sees_neither_the_collection_nor_its_passages_nor_its_original(open_page, charlie, salaries):
    page = open_page(charlie)
    page.goto("/")
    expect(page.locator("#collection option")).to_have_text(["All my collections"])
    expect(page.get_by_text("You cannot read any collection yet")).to_be_visible()

    answer = ask(page, "What are the salary bands for engineers?")
    wait_until_answered(answer)
    expect(page.locator("#source-list li")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("band E3")

    response = page.goto(f"/documents/{salaries.pk}/original")
    assert response.status == 404


@pytest.mark.django_db(transaction=True)
def test_bob_of_the_team_reads_the_collection_and_its_original(open_page, bob, salaries):
    page = open_page(bob)
    page.goto("/")
    expect(page.locator("#collection option")).to_have_text(["All my collections", "handbook"])
    response = page.goto(f"/documents/{salaries.pk}/original")
    assert response.status == 200
    assert b"band E3" in response.body()


@pytest.mark.django_db(transaction=True)
def test_another_users_answer_and_conversation_are_not_found(open_page, alice, charlie, salaries):
    page = open_page(alice)
    page.goto("/")
    answer = ask(page, "What are the salary bands?", collection="handbook")
    wait_until_answered(answer)
    message_id = answer.get_attribute("data-message-id")
    conversation_url = page.url

    intruder = open_page(charlie)
    assert intruder.goto(f"/c/messages/{message_id}/").status == 404
    assert intruder.goto(conversation_url).status == 404


@pytest.mark.django_db(transaction=True)
def test_the_documents_page_is_for_staff_only(open_page, bob):
    page = open_page(bob)
    page.goto("/")
    expect(page.get_by_role("link", name="Documents")).to_have_count(0)
    assert page.goto("/documents/").status == 403
