"""Streaming that never breaks: resume after a dropped connection, stop within a token, limits, follow-ups."""

import json

import pytest

from tests.conftest import first_tokens, read_sse, uploaded
from webapp.chat.models import Message

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "Vacation is thirty calendar days per year. Remote work is allowed three days per week."


@pytest.fixture
def indexed(alice_api, handbook):
    uploaded(alice_api, "policy.txt", TEXT)
    return alice_api


def tokens_of(events) -> list[str]:
    return [data["text"] for _, event, data in events if event == "token"]


def test_a_dropped_connection_resumes_without_losing_or_repeating_a_token(indexed):
    body = {"question": "vacation days", "stream": True, "params": {"max_tokens": 60}}
    with indexed.stream("POST", "/chat", json=body) as response:
        first_part, message_id, last_id = first_tokens(response, 5)  # the connection drops here
    with indexed.stream("GET", f"/messages/{message_id}/stream", headers={"Last-Event-ID": last_id}) as response:
        rest = read_sse(response)
    with indexed.stream("GET", f"/messages/{message_id}/stream") as response:
        everything = read_sse(response)

    assert rest[-1][1] == "done"
    assert first_part + tokens_of(rest) == tokens_of(everything)
    assert len(tokens_of(everything)) == 60


def test_cancel_stops_generation_and_says_so(indexed):
    body = {"question": "remote work", "stream": True, "params": {"max_tokens": 3000, "timeout": 60}}
    with indexed.stream("POST", "/chat", json=body) as response:
        events, message_id = [], None
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data = json.loads(line[5:])
                events.append((event, data))
                if event == "sources":
                    message_id = data["message_id"]
                if event == "token" and [e for e, _ in events].count("token") == 2:
                    assert indexed.post(f"/messages/{message_id}/cancel").json()["cancelled"] is True
                if event in ("done", "error"):
                    break
    done = events[-1][1]
    assert events[-1][0] == "done" and done["finish_reason"] == "cancelled"
    assert done["usage"]["completion_tokens"] < 3000
    assert Message.objects.get(pk=message_id).status == Message.Status.CANCELLED


def test_max_tokens_and_timeout_end_the_answer_with_a_reason(indexed):
    limited = indexed.post("/chat", json={"question": "vacation", "params": {"max_tokens": 7}}).json()
    assert limited["finish_reason"] == "length" and limited["usage"]["completion_tokens"] == 7
    timed = indexed.post("/chat", json={"question": "vacation", "params": {"max_tokens": 4096, "timeout": 1}}).json()
    assert timed["finish_reason"] == "timeout"


def test_a_follow_up_is_searched_with_the_question_before_it(indexed):
    first = indexed.post("/chat", json={"question": "How many vacation days per year?", "params": {"max_tokens": 4}}).json()
    indexed.post("/chat", json={"question": "and remote work?", "conversation_id": first["conversation_id"],
                                "params": {"max_tokens": 4}})
    follow_up = Message.objects.filter(role="assistant").order_by("-pk").first()
    assert follow_up.search_query == "How many vacation days per year? and remote work?"


def test_a_named_model_profile_is_used_and_recorded_on_the_message(indexed, tiny_model_path):
    from webapp.chat.models import ModelProfile

    profile = ModelProfile.objects.create(name="tiny-512", model_path=str(tiny_model_path), context_size=512,
                                          max_tokens=5, limits={"max_tokens": [1, 6]})
    answer = indexed.post("/chat", json={"question": "vacation", "profile": "tiny-512"}).json()
    assert answer["usage"]["completion_tokens"] == 5
    message = Message.objects.get(pk=answer["message_id"])
    assert message.profile == profile and message.params["max_tokens"] == 5
    refused = indexed.post("/chat", json={"question": "vacation", "profile": "tiny-512", "params": {"max_tokens": 7}})
    assert refused.status_code == 400 and refused.json()["error"]["details"]["field"] == "params.max_tokens"


def test_questions_waiting_for_the_model_are_told_their_place_in_line(indexed):
    """Several streams at once on one model: every one ends, and those that wait hear their position."""
    import threading

    results: list[list] = []

    def ask():
        with indexed.stream("POST", "/chat", json={"question": "vacation", "stream": True,
                                                   "params": {"max_tokens": 400}}) as response:
            results.append(read_sse(response))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == 4 and all(r[-1][1] == "done" for r in results)
    positions = [d["position"] for r in results for _, e, d in r if e == "queued"]
    assert positions and max(positions) >= 2
