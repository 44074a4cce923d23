"""Old answers whose source document was deleted: the citation keeps its snapshot of the passage, and every place
that shows it says the document is gone (page data, the answer's detail, the refusal's closest passages, the quote's
source, the API's citations) instead of offering a document that no longer exists."""

import json

import pytest
from django.test import Client

from tests.html import parse, select, words
from webapp.api.schemas import ChatOut, chat_out
from webapp.chat.models import Citation, Conversation, Message
from webapp.documents.models import Document
from webapp.documents.services import document_delete

pytestmark = pytest.mark.django_db(transaction=True)

PASSAGE = "Every employee has thirty days of paid vacation per year."


def answer_citing(user, collection, *, outcome: str = "answered") -> tuple[Message, Document, Document]:
    """An answer citing two documents, stored as the worker stores it; the caller deletes one."""
    kept, gone = (Document.objects.create(collection=collection, title=t, sha256=t, status="indexed",
                                          extracted_text=PASSAGE) for t in ("travel-rules", "vacation-policy"))
    conversation = Conversation.objects.create(user=user, title="Vacation")
    Message.objects.create(conversation=conversation, role="user", text="How many vacation days?")
    answer = Message.objects.create(conversation=conversation, role="assistant", text="Thirty days [1] [2].",
                                    status="done", finish_reason="stop", outcome=outcome,
                                    quote={"n": 2, "text": PASSAGE, "start": 0, "end": len(PASSAGE), "score": 0.8})
    for n, document in ((1, kept), (2, gone)):
        Citation.objects.create(message=answer, n=n, document=document, title=document.title, text=PASSAGE,
                                char_end=len(PASSAGE), cited=True)
    return answer, kept, gone


def signed_in(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_answer_detail_says_which_source_was_deleted_keeps_its_text_and_offers_no_original(alice, handbook):
    answer, kept, gone = answer_citing(alice, handbook)
    document_delete(user=alice, document=gone)
    sources = {s["n"]: s for s in signed_in(alice).get(f"/c/messages/{answer.pk}/").json()["sources"]}
    assert sources[2]["document_deleted"] is True and sources[2]["document_id"] is None
    assert sources[2]["text"] == PASSAGE and sources[2]["original_url"] == ""
    assert sources[1]["document_deleted"] is False and sources[1]["original_url"]


def test_the_conversation_page_marks_the_deleted_source_and_the_quote_taken_from_it_in_portuguese(alice, handbook):
    answer, kept, gone = answer_citing(alice, handbook)
    document_delete(user=alice, document=gone)
    page = parse(signed_in(alice, "pt-br").get(f"/c/{answer.conversation_id}/").content)
    data = json.loads(page.get_element_by_id("page-data").text)
    assert [s["document_deleted"] for s in data["sources"][str(answer.pk)]] == [False, True]
    assert data["strings"]["source_deleted"] == "fonte excluída"
    quote = select(page, f'.message[data-message-id="{answer.pk}"] .quote-label')[0]
    assert words(select(quote, ".badge.deleted")[0]) == "fonte excluída"


def test_a_refusal_lists_its_closest_passages_with_the_deleted_one_marked(alice, handbook):
    answer, kept, gone = answer_citing(alice, handbook, outcome="refused")
    document_delete(user=alice, document=gone)
    page = parse(signed_in(alice).get(f"/c/{answer.conversation_id}/").content)
    closest = select(page, f'.message[data-message-id="{answer.pk}"] .closest-list li')
    assert [bool(select(item, ".badge.deleted")) for item in closest] == [False, True]
    assert words(select(closest[1], ".badge.deleted")[0]) == "source deleted"


def test_the_apis_citations_say_when_their_document_was_deleted(alice, handbook):
    answer, kept, gone = answer_citing(alice, handbook)
    done = {"message_id": answer.pk, "conversation_id": answer.conversation_id, "answer": answer.text,
            "finish_reason": "stop", "usage": {},
            "citations": [{"n": 1, "document_id": kept.pk, "title": kept.title, "text": PASSAGE, "weak": False},
                          {"n": 2, "document_id": gone.pk, "title": gone.title, "text": PASSAGE, "weak": False}]}
    document_delete(user=alice, document=gone)
    body = ChatOut.model_validate(chat_out(done)).model_dump(mode="json")
    assert [(c["n"], c["document_deleted"]) for c in body["citations"]] == [(1, False), (2, True)]
    assert body["citations"][1]["text"] == PASSAGE and body["citations"][1]["weak"] is False


def test_the_openapi_schema_documents_a_citations_deleted_document(alice):
    schema = signed_in(alice).get("/api/v1/openapi.json").json()["components"]["schemas"]
    citations = schema["ChatOut"]["properties"]["citations"]
    assert citations["items"] == {"$ref": "#/components/schemas/CitationOut"}
    assert "deleted" in schema["CitationOut"]["properties"]["document_deleted"]["description"]
