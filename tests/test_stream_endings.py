"""A resumed stream of an answer that has ended ends too: it says how the answer ended instead of pinging for
ever (each open stream holds a Redis connection). Through the real web server; the streams are written as the
worker writes them."""

import httpx
import pytest

from retrieval.contracts import events
from tests.conftest import api_client, read_sse
from webapp.chat.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)
# Far less than the 15 s between pings: a stream that has not ended by then never would.
ENDS_WITHIN_S = 8


@pytest.fixture
def conversation(alice):
    return Conversation.objects.create(user=alice, title="Vacation")


def answered(conversation, status: str = "done") -> Message:
    return Message.objects.create(conversation=conversation, role="assistant", text="Thirty.", status=status)


def resume(web, user, message_id: int, last_event_id: str) -> list[tuple[str, str, dict]]:
    with api_client(web, user) as client, client.stream(
        "GET", f"/messages/{message_id}/stream", headers={"Last-Event-ID": last_event_id},
        timeout=httpx.Timeout(ENDS_WITHIN_S),
    ) as response:
        assert response.status_code == 200, response.read()
        return read_sse(response)


def test_resuming_after_the_last_event_of_a_finished_answer_says_again_how_it_ended_and_stops(web, alice, conversation):
    answer = answered(conversation)
    events.publish(answer.pk, "sources", {"message_id": answer.pk, "passages": []})
    events.publish(answer.pk, "token", {"text": "Thirty."})
    done_id = events.publish(answer.pk, "done", {"message_id": answer.pk, "answer": "Thirty.", "finish_reason": "stop"})

    assert resume(web, alice, answer.pk, done_id) == [(done_id, "done", {"message_id": answer.pk, "answer": "Thirty.",
                                                                         "finish_reason": "stop"})]


def test_a_finished_answer_whose_events_are_gone_ends_its_stream_saying_so(web, alice, conversation):
    answer = answered(conversation)  # its stream expired, or Redis restarted without it
    (_, event, data), = resume(web, alice, answer.pk, "0")
    assert (event, data["code"]) == ("error", "stream_lost")


def test_a_far_future_last_event_id_on_a_finished_answer_is_a_400(web, alice, conversation):
    answer = answered(conversation)
    events.publish(answer.pk, "done", {"message_id": answer.pk, "answer": "Thirty.", "finish_reason": "stop"})
    with api_client(web, alice) as client:
        response = client.get(f"/messages/{answer.pk}/stream", headers={"Last-Event-ID": "99999999999999-0"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_last_event_id"
