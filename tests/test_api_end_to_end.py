"""What an integration does: upload over the API, wait for `indexed`, ask, read the answer and its sources.

Real worker, real Redis, real embedded index, real embedding model, real llama.cpp on the tiny GGUF
(its words are gibberish, so these tests check mechanics, not prose).
"""

import pytest

from tests.conftest import read_sse, wait_for_document
from webapp.chat.models import Citation, Message
from webapp.documents.models import Chunk, Document

pytestmark = pytest.mark.django_db(transaction=True)

HANDBOOK = """# Employee handbook

## Vacation
Every employee is entitled to 30 calendar days of paid vacation per year, which may be split in up to three periods.

## Remote work
Employees may work remotely up to three days per week, with the agreement of their manager.

## Expenses
Travel expenses are reimbursed within ten business days after the receipt is submitted.
"""


def upload(client, name: str, content: bytes, collection: str = "handbook"):
    return client.post("/documents", files={"file": (name, content, "text/plain")}, data={"collection": collection})


def test_an_uploaded_text_becomes_indexed_with_chunks_that_keep_their_section(alice_api, handbook):
    response = upload(alice_api, "handbook.md", HANDBOOK.encode())
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "queued"

    document = wait_for_document(body["id"])
    assert document.status == Document.Status.INDEXED, document.error
    status = alice_api.get(f"/documents/{body['id']}").json()
    assert status["status"] == "indexed" and status["progress"] == 100.0
    assert status["chunks"] == document.chunk_count > 0
    sections = set(Chunk.objects.filter(document=document).values_list("heading_path", flat=True))
    assert any("Vacation" in s for s in sections)
    chunk = Chunk.objects.filter(document=document).first()
    assert document.extracted_text[chunk.char_start : chunk.char_end].split() == chunk.text.split()


def test_streamed_answer_sends_sources_then_tokens_then_done_with_citations_to_the_document(alice_api, handbook):
    document = wait_for_document(upload(alice_api, "handbook.md", HANDBOOK.encode()).json()["id"])

    with alice_api.stream("POST", "/chat", json={"question": "How many vacation days?", "stream": True,
                                                  "params": {"max_tokens": 24, "temperature": 0}}) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["x-message-id"].isdigit()
        events = read_sse(response)

    names = [event for _, event, _ in events if event != "queued"]
    assert names[0] == "sources" and names[-1] == "done"
    # the verbatim quote, when there is one, is the first visible text: before any token
    body = [n for n in names[1:-1] if n != "quote"]
    assert names.count("quote") <= 1 and names.count("token") >= 1 and set(body) == {"token"}
    assert "quote" not in names or names.index("quote") == 1
    assert all(event_id for event_id, name, _ in events if name != "queued")
    sources = events[0][2] if events[0][1] == "sources" else next(d for _, e, d in events if e == "sources")
    assert sources["passages"] and all(p["document_id"] == document.pk for p in sources["passages"])
    done = events[-1][2]
    tokens = "".join(d["text"] for _, e, d in events if e == "token")
    assert done["answer"] == tokens.strip() or done["answer"]  # markers naming no source are removed
    message = Message.objects.get(pk=sources["message_id"])
    assert message.status == Message.Status.DONE and message.usage["completion_tokens"] >= 1
    assert message.params["max_tokens"] == 24
    assert Citation.objects.filter(message=message, document=document).count() == len(sources["passages"])


def test_non_streaming_chat_returns_answer_citations_and_usage(alice_api, handbook):
    wait_for_document(upload(alice_api, "handbook.md", HANDBOOK.encode()).json()["id"])

    response = alice_api.post("/chat", json={"question": "remote work days", "params": {"max_tokens": 8}})

    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) >= {"answer", "citations", "conversation_id", "message_id", "usage"}
    assert body["usage"]["completion_tokens"] <= 8
    follow_up = alice_api.post("/chat", json={"question": "and expenses?", "conversation_id": body["conversation_id"],
                                              "params": {"max_tokens": 4}})
    assert follow_up.json()["conversation_id"] == body["conversation_id"]


def test_a_question_nothing_answers_says_the_documents_do_not_cover_it(alice_api, handbook):
    response = alice_api.post("/chat", json={"question": "Quantos dias de férias?", "collection": "handbook"})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["finish_reason"] == "no_passages"
    assert "handbook" in body["answer"] and "documentos" in body["answer"]
    assert body["citations"] == []


def test_deleting_a_document_removes_it_from_listing_search_and_storage(alice_api, handbook):
    document = wait_for_document(upload(alice_api, "handbook.md", HANDBOOK.encode()).json()["id"])
    stored = document.file.path
    assert [d["id"] for d in alice_api.get("/documents", params={"collection": "handbook"}).json()] == [document.pk]

    assert alice_api.delete(f"/documents/{document.pk}").status_code == 204

    assert alice_api.get(f"/documents/{document.pk}").status_code == 404
    assert not Chunk.objects.filter(document_id=document.pk).exists()
    import os

    assert not os.path.exists(stored)
    passages = alice_api.post("/search", json={"query": "vacation days"}).json()["passages"]
    assert all(p["document_id"] != document.pk for p in passages)
