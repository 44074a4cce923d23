"""A quota reached mid-conversation, through the API and in the browser: real worker, web server and model."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import ask, browser, open_page, wait_until_answered  # noqa: F401 (fixtures)
from tests.conftest import api_client, uploaded
from webapp.chat.models import Message
from webapp.usage.models import AnswerUsage, GroupQuota

pytestmark = pytest.mark.django_db(transaction=True)
HANDBOOK = "# Handbook\n\n## Vacation\nEvery employee has 30 calendar days of paid vacation per year.\n"
PARAMS = {"max_tokens": 8, "temperature": 0}


@pytest.fixture
def indexed_handbook(web, worker, alice, handbook):
    with api_client(web, alice) as client:
        uploaded(client, "handbook.md", HANDBOOK)


def test_the_api_refuses_the_third_question_of_a_conversation_with_429_and_when_to_retry(web, indexed_handbook, bob, team):
    GroupQuota.objects.create(group=team, member_questions_per_minute=2)
    with api_client(web, bob) as client:
        first = client.post("/chat", json={"question": "How many vacation days?", "params": PARAMS})
        assert first.status_code == 200, first.text
        assert first.headers["x-quota-remaining-questions-minute"] == "1"  # what is left after this one
        conversation = first.json()["conversation_id"]
        second = client.post("/chat", json={"question": "And per month?", "conversation_id": conversation,
                                            "params": PARAMS})
        assert second.status_code == 200, second.text
        assert second.json()["conversation_id"] == conversation
        third = client.post("/chat", json={"question": "And next year?", "conversation_id": conversation,
                                           "params": PARAMS})
    assert third.status_code == 429
    assert 1 <= int(third.headers["retry-after"]) <= 60
    assert third.headers["x-quota-remaining-questions-minute"] == "0"
    assert third.json()["error"]["details"]["limit"] == 2
    assert Message.objects.filter(conversation_id=conversation).count() == 4  # nothing written for the third
    rows = AnswerUsage.objects.filter(user=bob)
    assert rows.count() == 2 and all(r.surface == "api" and r.prompt_tokens > 0 for r in rows)


def test_the_chat_page_says_plainly_when_the_user_can_ask_again(open_page, indexed_handbook, bob, team):
    GroupQuota.objects.create(group=team, member_questions_per_minute=1)
    page = open_page(bob)
    page.goto("/")
    assert wait_until_answered(ask(page, "How many vacation days?")) == "done"
    assert AnswerUsage.objects.get(user=bob).surface == "browser"
    refused = ask(page, "And per month?")
    expect(refused).to_have_attribute("data-state", "error")
    # English times leave out ":00" ("2 p.m.") and say "noon" and "midnight" (Django's TIME_FORMAT "P")
    expect(refused.locator(".note")).to_have_text(re.compile(r"^You have used your limit of 1 question per minute\. You can ask again at (\d{1,2}(:\d{2})?( [ap]\.m\.)?|noon|midnight) \(in \d+ s\)\.$"))
    expect(page.locator("#question")).to_have_value("And per month?")  # kept, to send again later
    assert AnswerUsage.objects.filter(user=bob).count() == 1


def test_the_chat_page_says_it_in_portuguese(open_page, indexed_handbook, bob, team):
    GroupQuota.objects.create(group=team, member_questions_per_day=1)
    AnswerUsage.objects.create(user=bob, surface="browser")
    page = open_page(bob, locale="pt-BR")
    page.goto("/")
    expect(ask(page, "Quantos dias de férias?")).to_contain_text("Você poderá perguntar de novo")


def test_questions_sent_at_the_same_instant_cannot_all_take_the_last_places(web, indexed_handbook, bob, team):
    """question_ask from threads with their own database connections, as several web processes would call it (one
    uvicorn process runs it in one thread, so it cannot race with itself)."""
    import threading

    from django.db import connections

    from webapp.chat.services import question_ask
    from webapp.errors import AppError

    GroupQuota.objects.create(group=team, member_questions_per_minute=2)
    start, statuses = threading.Barrier(5), []

    def ask_once():
        try:
            start.wait()
            question_ask(user=bob, question="How many vacation days?", params=PARAMS, surface="api")
            statuses.append(200)
        except AppError as exc:
            statuses.append(exc.status)
        except Exception as exc:
            statuses.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ask_once) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses, key=str) == [200, 200, 429, 429, 429], statuses
    assert AnswerUsage.objects.filter(user=bob).count() == 2
