"""Input no endpoint expects is a 400 (or a 404) naming what is wrong, never a 500: numbers JSON allows but no
range holds, ids past what a database stores, the wrong type, and access the user lacks. In-process: fast."""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client

from retrieval.contracts import events
from webapp.accounts.models import ApiToken
from webapp.chat.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)
HUGE = "1" * 30


def api(user) -> Client:
    _, raw = ApiToken.issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def error_code(response) -> str:
    return response.json()["error"]["code"]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_a_max_tokens_that_is_not_a_finite_number_is_a_400_naming_it(alice, handbook, value):
    body = '{"question": "vacation?", "params": {"max_tokens": VALUE, "temperature": VALUE}}'.replace("VALUE", value)
    response = api(alice).post("/api/v1/chat", body, content_type="application/json")
    assert response.status_code == 400, response.content
    details = response.json()["error"]["details"]  # both are wrong: both are named, the first as `field`
    assert details["field"] in ("params.max_tokens", "params.temperature")
    assert {e["field"] for e in details["errors"]} == {"params.max_tokens", "params.temperature"}


@pytest.mark.parametrize("offset", ["-1", HUGE])
def test_a_negative_or_enormous_document_offset_is_a_400(alice, handbook, offset):
    response = api(alice).get(f"/api/v1/documents?offset={offset}")
    assert response.status_code == 400, response.content
    assert error_code(response) == "invalid_request"


@pytest.mark.parametrize("title", [2027, ["a"], {"a": 1}])
def test_a_title_that_is_not_text_is_a_400(alice, title):
    conversation = Conversation.objects.create(user=alice, title="Vacation")
    response = browser(alice).post(f"/c/{conversation.pk}/rename", {"title": title}, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["details"]["field"] == "title"
    assert Conversation.objects.get(pk=conversation.pk).title == "Vacation"


def test_an_edited_question_that_is_not_text_is_a_400(alice):
    conversation = Conversation.objects.create(user=alice, title="Vacation")
    Message.objects.create(conversation=conversation, role="user", text="How many vacation days?")
    answer = Message.objects.create(conversation=conversation, role="assistant", text="Thirty.", status="done")
    response = browser(alice).post(f"/c/messages/{answer.pk}/edit", {"question": 30}, content_type="application/json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["details"]["field"] == "question"


def test_an_enormous_document_id_to_poll_is_no_document(alice):
    response = browser(alice).get(f"/documents/status?id={HUGE}&id=-3&id=x")
    assert response.status_code == 200, response.content
    assert response.json() == {"documents": []}


def test_staff_editing_a_collection_they_cannot_read_get_a_404(handbook):
    outsider = User.objects.create_user("dora", password="dora-password", is_staff=True)
    response = browser(outsider).post(f"/documents/collections/{handbook.pk}/edit", {f"c{handbook.pk}-name": "mine"})
    assert response.status_code == 404
    handbook.refresh_from_db()
    assert handbook.name == "handbook"


@pytest.fixture
def finished(alice):
    """Alice's answer whose stream ended with `done`, as the worker leaves it."""
    conversation = Conversation.objects.create(user=alice, title="Vacation")
    answer = Message.objects.create(conversation=conversation, role="assistant", text="Thirty.", status="done")
    events.publish(answer.pk, "sources", {"message_id": answer.pk, "passages": []})
    done_id = events.publish(answer.pk, "done", {"message_id": answer.pk, "answer": "Thirty.", "finish_reason": "stop"})
    return answer, done_id


@pytest.mark.parametrize("last_event_id", ["$", "abc", "1-2-3", "-1", HUGE, "99999999999999999999-0",
                                           "9999999999999-0"])
def test_a_last_event_id_the_stream_never_sent_is_a_400(alice, finished, last_event_id):
    answer, _ = finished
    response = api(alice).get(f"/api/v1/messages/{answer.pk}/stream", HTTP_LAST_EVENT_ID=last_event_id)
    assert response.status_code == 400, response.content
    assert error_code(response) == "invalid_last_event_id"


def test_a_search_slower_than_the_redis_socket_timeout_is_a_503_saying_the_worker_did_not_answer(alice, handbook,
                                                                                                 settings):
    # Its own key prefix, with the heartbeat of a worker that answers nothing: the search waits its whole time
    # (longer than the Redis client's 10 s socket timeout, which made it a 500) and then says so.
    settings.REDIS_KEY_PREFIX = f"{settings.REDIS_KEY_PREFIX}slow-search:"
    events.beat("silent-worker", {"name": "silent-worker", "ready": True})
    try:
        response = api(alice).post("/api/v1/search", json.dumps({"query": "vacation"}), content_type="application/json")
    finally:
        events.forget_worker("silent-worker")
    assert response.status_code == 503, response.content
    assert error_code(response) == "worker_busy"
