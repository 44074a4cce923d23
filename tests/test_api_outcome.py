"""The API's answer carries its outcome: what the `done` event says (outcome, reasons with their parameters,
answerability, quote) reaches a non-streaming caller whole, and the OpenAPI schema documents it."""

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from retrieval.contracts import events
from webapp.api.schemas import ChatOut, chat_out
from webapp.chat.relay import collect_answer

pytestmark = pytest.mark.django_db(transaction=True)

QUOTE = {"n": 1, "text": "Every employee has thirty days of paid vacation.", "start": 17, "end": 66, "score": 0.8}
REFUSED = {
    "message_id": 0, "conversation_id": 1, "answer": "The documents do not answer this.", "finish_reason": "refused",
    "citations": [], "usage": {"retrieval_ms": 12.5}, "outcome": "refused", "answerability": 0.18, "quote": None,
    "reasons": [{"code": "low_answerability", "score": 0.18, "threshold": 0.35, "collections": ["handbook"]}],
}


def serialized(done: dict) -> dict:
    """As the endpoint sends it: through the response schema (extra reason parameters must survive it)."""
    return ChatOut.model_validate(chat_out(done)).model_dump(mode="json")


def test_a_refusal_reaches_a_non_streaming_caller_with_its_reasons_and_their_parameters():
    message_id = 900_000_001
    events.publish(message_id, "sources", {"message_id": message_id, "conversation_id": 1, "passages": []})
    events.publish(message_id, "done", {**REFUSED, "message_id": message_id})
    try:
        body = serialized(async_to_sync(collect_answer)(message_id, timeout_s=5))
    finally:
        events.client().delete(events.stream_key(message_id))
    assert body["outcome"] == "refused" and body["answerability"] == 0.18 and body["quote"] is None
    assert body["reasons"] == REFUSED["reasons"]
    assert body["answer"] == "The documents do not answer this." and body["message_id"] == message_id


def test_an_answer_with_a_quote_gives_the_quote_with_its_offsets():
    body = serialized({**REFUSED, "outcome": "answered", "reasons": [], "answerability": 0.9, "quote": QUOTE})
    assert body["outcome"] == "answered" and body["reasons"] == [] and body["quote"] == QUOTE


def test_an_answer_event_from_before_outcomes_reads_as_no_outcome():
    old = {key: REFUSED[key] for key in ("message_id", "conversation_id", "answer", "finish_reason", "citations", "usage")}
    body = serialized(old)
    assert (body["outcome"], body["reasons"], body["answerability"], body["quote"]) == ("", [], None, None)


def test_the_openapi_schema_documents_the_outcome_its_reasons_and_the_quote(alice):
    client = Client()
    client.force_login(alice)
    schema = client.get("/api/v1/openapi.json").json()
    chat = schema["paths"]["/api/v1/chat"]["post"]
    assert chat["responses"]["200"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ChatOut"}
    assert "quote" in chat["description"]
    components = schema["components"]["schemas"]
    answer = components["ChatOut"]["properties"]
    assert {"outcome", "reasons", "answerability", "quote"} <= set(answer)
    assert "refused" in answer["outcome"]["description"] and "unconfirmed" in answer["outcome"]["description"]
    reason = components["ReasonOut"]
    assert "low_answerability" in reason["properties"]["code"]["description"]
    assert reason.get("additionalProperties") is True
    assert set(components["QuoteOut"]["required"]) == {"n", "text", "start", "end", "score"}
