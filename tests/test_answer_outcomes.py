"""Each outcome of an answer through the real worker: refused before the model, and answered-but-unconfirmed.
(Answered, with its quote, runs on Gemma 3 270M in tests/test_gemma_full_path.py.)"""

import pytest

from tests.conftest import read_sse, uploaded
from webapp.chat.models import Message

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = ("Vacation is thirty calendar days per year, taken in up to three periods. "
        "Remote work is allowed three days per week with the manager's agreement.")


@pytest.fixture
def indexed(alice_api, handbook):
    uploaded(alice_api, "policy.txt", TEXT)
    return alice_api


def ask(client, question: str, **params) -> list[tuple[str, str, dict]]:
    body = {"question": question, "stream": True, "params": {"max_tokens": 40} | params}
    with client.stream("POST", "/chat", json=body) as response:
        return read_sse(response)


def test_a_question_the_documents_do_not_answer_is_refused_without_calling_the_model(indexed):
    events = ask(indexed, "Which company rents the cars for the presidential motorcade in Brasília?")

    names = [e for _, e, _ in events if e != "queued"]
    assert names == ["sources", "done"]  # no quote, no token: the model was never called
    sources, done = events[-2][2], events[-1][2]
    assert sources["closest"] is True and sources["passages"]  # the closest passages, shown as not an answer
    assert done["outcome"] == "refused" and done["citations"] == []
    reason = done["reasons"][0]
    assert reason["code"] == "low_answerability" and reason["score"] < reason["threshold"]
    assert reason["collections"] == ["handbook"]
    assert "do not answer" in done["answer"] and "handbook" in done["answer"]
    message = Message.objects.get(pk=done["message_id"])
    assert message.outcome == "refused" and message.reasons == done["reasons"]
    assert "ttft_ms" not in message.usage and message.answerability == reason["score"]


def test_an_answer_no_passage_supports_is_marked_unconfirmed_with_why(indexed):
    # The tiny test model writes random words: nothing in them is in the policy.
    events = ask(indexed, "How many vacation days per year?", max_tokens=30)

    names = [e for _, e, _ in events if e != "queued"]
    assert names[:2] == ["sources", "quote"] and "token" in names and names[-1] == "done"
    quote, done = events[names.index("quote") + 1][2], events[-1][2]
    assert "thirty calendar days" in quote["text"]
    assert done["outcome"] == "unconfirmed", done["answer"]
    assert done["reasons"][0]["code"] == "unsupported_claims" and done["reasons"][0]["claims"] >= 1
    assert done["quote"] == quote
    message = Message.objects.get(pk=done["message_id"])
    assert message.outcome == "unconfirmed" and message.quote["text"] == quote["text"]
