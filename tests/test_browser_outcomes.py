"""An answer's outcome in a real browser, while it streams and after: the quote is the first text shown (a reload
mid-answer shows it again), a refusal streams no tokens and ends as "Not in the documents" with the closest passages.

The worker cannot produce these outcomes yet (issue 11 is being built on both sides), so this test plays the worker's
part: it writes the message rows and publishes the answer's events to its Redis stream, in the order and shapes of
the contract (retrieval/outcome.py, retrieval/answer.py). The web server, its SSE relay and the page are real; the
end-to-end tests through the worker come with the worker's side.
"""

import re

import pytest
from playwright.sync_api import expect

from retrieval.contracts import events
from tests.browser import browser, open_page  # noqa: F401 (fixtures)
from webapp.chat.models import Citation, Conversation, Message
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)

POLICY = "Vacation policy. Every employee has thirty days of paid vacation per year. Book it in the HR portal."
TRAVEL = "Travel rules. Trips abroad need the approval of a director. Per diem follows the company table."
QUOTE_TEXT = "Every employee has thirty days of paid vacation per year."
START = POLICY.index(QUOTE_TEXT)
QUOTE = {"n": 1, "text": QUOTE_TEXT, "start": START, "end": START + len(QUOTE_TEXT), "score": 0.81}
PASSAGES = [(1, "vacation-policy", POLICY), (2, "travel-rules", TRAVEL)]


def passage(n: int, title: str, text: str) -> dict:
    return {"n": n, "chunk_id": None, "document_id": None, "title": title, "text": text, "page": None, "location": "",
            "heading_path": "", "char_start": 0, "char_end": len(text), "score": 0.5}


def running_answer(user, handbook, question: str) -> Message:
    """A question whose answer the worker has started: the page resumes its stream when opened."""
    conversation = Conversation.objects.create(user=user, title=question)
    Message.objects.create(conversation=conversation, role="user", text=question)
    return Message.objects.create(conversation=conversation, role="assistant", status="running",
                                  collections=[handbook.pk], params={"temperature": 0.2, "max_tokens": 256})


def publish_sources(answer: Message) -> None:
    events.publish(answer.pk, "sources", {"message_id": answer.pk, "conversation_id": answer.conversation_id,
                                          "language": "en", "passages": [passage(*p) for p in PASSAGES]})


def finish(answer: Message, *, text: str, outcome: str, reasons=(), quote=None, cited=()) -> None:
    """Store the answer as the worker does, then announce it. Its citations name their documents, as the worker's do
    (a citation without one is a source deleted since, and says so)."""
    documents = {title: Document.objects.get_or_create(collection_id=answer.collections[0], title=title, sha256=title,
                                                       defaults={"status": "indexed", "extracted_text": text})[0]
                 for _, title, text in PASSAGES}
    Citation.objects.bulk_create(Citation(message=answer, n=n, document=documents[title], title=title, text=text,
                                          char_end=len(text), cited=n in cited) for n, title, text in PASSAGES)
    Message.objects.filter(pk=answer.pk).update(status="done", text=text, finish_reason="stop", outcome=outcome,
                                                reasons=list(reasons), quote=quote or {})
    events.publish(answer.pk, "done", {
        "message_id": answer.pk, "conversation_id": answer.conversation_id, "answer": text, "finish_reason": "stop",
        "citations": [], "sources": [passage(*p) for p in PASSAGES], "usage": {}, "outcome": outcome,
        "reasons": list(reasons), "answerability": 0.8 if outcome == "answered" else 0.18, "quote": quote,
    })


def test_the_quote_is_shown_first_while_streaming_again_after_a_reload_and_its_citation_highlights_it(
        open_page, alice, handbook):
    answer = running_answer(alice, handbook, "How many vacation days do employees get?")
    publish_sources(answer)
    events.publish(answer.pk, "quote", QUOTE)
    page = open_page(alice)
    page.goto(f"/c/{answer.conversation_id}/")
    article = page.locator(f".message[data-message-id='{answer.pk}']")
    quote = article.locator(".quote-block")
    expect(quote.locator(".quote-text")).to_have_text(QUOTE_TEXT)
    expect(quote.locator(".quote-label")).to_contain_text("From the documents")
    expect(article).to_have_attribute("data-state", "waiting")  # no token yet: the quote is the first text

    events.publish_token(answer.pk, "Thirty ")
    expect(article.locator(".answer")).to_have_text("Thirty")
    page.reload()  # mid-answer: the resumed stream shows the quote first again, then the tokens so far
    article = page.locator(f".message[data-message-id='{answer.pk}']")
    expect(article.locator(".answer-body > *").first).to_have_class("quote-block")
    expect(article.locator(".answer")).to_have_text("Thirty")
    expect(article.locator(".quote-block")).to_have_count(1)

    events.publish_token(answer.pk, "days [1].")
    finish(answer, text="Thirty days [1].", outcome="answered", quote=QUOTE, cited=(1,))
    expect(article).to_have_attribute("data-state", "done")
    expect(article).to_have_attribute("data-outcome", "answered")
    expect(article.locator(".answer-body > *").first).to_have_class("quote-block")
    expect(article.locator(".answer")).to_have_text("Thirty days 1.")
    article.locator(".quote-block button.cite").click()
    source = page.locator(f"#source-{answer.pk}-1")
    expect(source).to_have_class(re.compile(r"\bactive\b"))
    expect(source.locator("mark .quote-span")).to_have_text(QUOTE_TEXT)
    expect(source.locator("mark")).to_contain_text("Book it in the HR portal")


def test_a_refusal_streams_no_tokens_and_ends_as_not_in_the_documents_with_the_closest_passages(
        open_page, alice, handbook):
    answer = running_answer(alice, handbook, "Who won the 1987 cup?")
    page = open_page(alice)
    page.goto(f"/c/{answer.conversation_id}/")
    article = page.locator(f".message[data-message-id='{answer.pk}']")
    publish_sources(answer)
    expect(page.locator("#source-list .source")).to_have_count(2)
    finish(answer, text="The documents in handbook do not answer this question.", outcome="refused",
           reasons=[{"code": "low_answerability", "score": 0.18, "threshold": 0.35, "collections": ["handbook"]}])

    card = article.locator(".outcome-card.refused")
    expect(card.locator(".outcome-title")).to_have_text("Not in the documents")
    expect(card.locator(".answer")).to_have_text("The documents in handbook do not answer this question.")
    expect(card.locator(".outcome-why").first).to_have_text(
        "The closest passage does not answer it (answerability 18%, threshold 35%).")
    expect(card.locator(".outcome-why").last).to_have_text("Collections searched: handbook.")
    expect(card.locator(".closest-title")).to_have_text("Closest, but not an answer")
    expect(article.locator("button.cite")).to_have_count(0)
    expect(article.locator(".source-chips")).to_be_hidden()
    card.locator("button.closest-source", has_text="travel-rules").click()
    expect(page.locator("#sources-heading")).to_have_text("Closest, but not an answer (2)")
    source = page.locator(f"#source-{answer.pk}-2")
    expect(source).to_have_class(re.compile(r"\bactive\b"))
    expect(source).not_to_have_class(re.compile(r"\bcited\b"))
    expect(source.locator(".badge")).to_have_count(0)  # nothing says "cited"


def test_a_refusal_in_the_history_reads_in_portuguese(open_page, alice, handbook):
    answer = running_answer(alice, handbook, "Quem ganhou a copa de 1987?")
    finish(answer, text="Os documentos de handbook não respondem a esta pergunta.", outcome="refused",
           reasons=[{"code": "low_answerability", "score": 0.18, "threshold": 0.35, "collections": ["handbook"]}])
    page = open_page(alice, locale="pt-BR")
    page.goto(f"/c/{answer.conversation_id}/")
    card = page.locator(".outcome-card.refused")
    expect(card.locator(".outcome-title")).to_have_text("Não está nos documentos")
    expect(card.locator(".closest-title")).to_have_text("Mais próximos, mas não respondem")
    expect(page.locator("#sources-heading")).to_have_text("Mais próximos, mas não respondem (2)")
