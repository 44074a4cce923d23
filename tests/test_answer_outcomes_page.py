"""What a reader sees of an answer's outcome in a conversation's history (server-rendered) and in the answer's
detail (what the page fetches when a streamed answer ends): the quote first, a refusal, an unconfirmed answer.

The rows are written as the worker stores them (webapp.chat.models.Message: outcome, reasons, answerability, quote).
"""

import json

import pytest
from django.test import Client

from tests.html import parse, select, words
from webapp.chat.models import Citation, Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)

PASSAGE = "Vacation policy. Every employee has thirty days of paid vacation per year. Book it in the HR portal."
QUOTE = "Every employee has thirty days of paid vacation per year."
LOW_ANSWERABILITY = {"code": "low_answerability", "score": 0.18, "threshold": 0.35, "collections": ["handbook", "travel"]}
UNSUPPORTED = {"code": "unsupported_claims", "claims": 2, "missing": ["Petrobras", "1987"]}


def stored_answer(user, *, text: str, outcome: str = "", reasons=(), quote=None, answerability=None) -> Message:
    conversation = Conversation.objects.create(user=user, title="Vacation")
    Message.objects.create(conversation=conversation, role="user", text="How many vacation days?")
    answer = Message.objects.create(
        conversation=conversation, role="assistant", text=text, status="done", finish_reason="stop", outcome=outcome,
        reasons=list(reasons), answerability=answerability, quote=quote or {},
    )
    for n, title in ((1, "vacation-policy"), (2, "travel-rules")):
        Citation.objects.create(message=answer, n=n, title=title, text=PASSAGE, page=n,
                                cited=outcome == "answered" and n == 1)
    return answer


def quote_of(text: str = QUOTE) -> dict:
    start = PASSAGE.index(text)
    return {"n": 1, "text": text, "start": start, "end": start + len(text), "score": 0.81}


def conversation_page(user, answer: Message, language: str = "en"):
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    response = client.get(f"/c/{answer.conversation_id}/")
    assert response.status_code == 200
    page = parse(response.content)
    article = select(page, f'.message.assistant[data-message-id="{answer.pk}"]')[0]
    return page, article


def test_an_answered_question_shows_the_quote_first_with_its_citation_then_the_generated_answer(alice):
    answer = stored_answer(alice, text="Employees get **thirty days** [1].", outcome="answered", quote=quote_of(),
                           answerability=0.82)
    page, article = conversation_page(alice, answer)

    assert article.get("data-outcome") == "answered"
    body = select(article, ".answer-body")[0]
    quote, generated = body[0], body[1]
    assert "quote-block" in quote.get("class") and "answer" in generated.get("class").split()
    assert words(select(quote, ".quote-label")[0]).startswith("From the documents 1")
    assert select(quote, ".quote-label button.cite")[0].get("data-n") == "1"
    assert words(select(quote, ".quote-text")[0]) == QUOTE
    assert select(generated, "strong")[0].text == "thirty days"
    page_data = json.loads(page.get_element_by_id("page-data").text)
    assert page_data["quotes"][str(answer.pk)]["start"] == PASSAGE.index(QUOTE)
    assert not select(article, ".outcome-card")


def test_a_refused_question_says_not_in_the_documents_why_and_lists_the_closest_passages_without_citing_them(alice):
    answer = stored_answer(alice, text="The documents do not say [1].", outcome="refused", reasons=[LOW_ANSWERABILITY],
                           answerability=0.18)
    _, article = conversation_page(alice, answer)

    card = select(article, ".outcome-card.refused")[0]
    assert words(select(card, ".outcome-title")[0]) == "Not in the documents"
    assert words(select(card, ".answer")[0]) == "The documents do not say [1]."
    why = [words(p) for p in select(card, ".outcome-why")]
    assert why == ["The closest passage does not answer it (answerability 18%, threshold 35%).",
                   "Collections searched: handbook, travel."]
    assert words(select(card, ".closest-title")[0]) == "Closest, but not an answer"
    assert [b.get("data-n") for b in select(card, "button.closest-source")] == ["1", "2"]
    assert "travel-rules" in words(select(card, "button.closest-source")[1])
    assert not select(article, "button.cite") and not select(article, ".quote-block")


def test_an_unconfirmed_answer_warns_why_shows_the_quote_and_keeps_the_models_text_folded(alice):
    answer = stored_answer(alice, text="Petrobras hired them in 1987 [1].", outcome="unconfirmed", reasons=[UNSUPPORTED],
                           quote=quote_of())
    _, article = conversation_page(alice, answer)

    banner = select(article, ".outcome-card.unconfirmed")[0]
    assert words(select(banner, ".outcome-title")[0]) == "Not confirmed by the documents"
    assert words(select(banner, ".outcome-why")[0]) == (
        "2 claims could not be tied to a passage; the passages do not mention: Petrobras, 1987.")
    assert words(select(article, ".quote-block .quote-text")[0]) == QUOTE
    folded = select(article, "details.model-text")[0]
    assert folded.get("open") is None
    assert words(select(folded, "summary")[0]) == "Show what the model wrote (not confirmed)"
    assert "Petrobras hired them in 1987" in words(select(folded, ".answer")[0])
    assert select(folded, "button.cite.weak")  # its markers are not shown as support
    assert words(select(article, ".closest-title")[0]) == "Closest passages"


def test_in_portuguese_the_outcomes_and_reasons_are_said_in_portuguese(alice):
    refused = stored_answer(alice, text="Os documentos não dizem.", outcome="refused", reasons=[LOW_ANSWERABILITY])
    _, article = conversation_page(alice, refused, language="pt-BR")
    assert words(select(article, ".outcome-title")[0]) == "Não está nos documentos"
    assert words(select(article, ".outcome-why")[0]) == (
        "O trecho mais próximo não responde à pergunta (respondibilidade 18%, limiar 35%).")
    assert words(select(article, ".closest-title")[0]) == "Mais próximos, mas não respondem"

    unconfirmed = stored_answer(alice, text="…", outcome="unconfirmed", reasons=[UNSUPPORTED], quote=quote_of())
    _, article = conversation_page(alice, unconfirmed, language="pt-BR")
    assert words(select(article, ".outcome-title")[0]) == "Não confirmado pelos documentos"
    assert words(select(article, ".outcome-why")[0]) == (
        "2 afirmações não puderam ser ligadas a um trecho; os trechos não mencionam: Petrobras, 1987.")
    assert words(select(article, ".quote-label")[0]).startswith("Dos documentos")
    assert words(select(article, "details.model-text summary")[0]) == "Mostrar o que o modelo escreveu (não confirmado)"


def test_a_reason_code_the_page_does_not_know_is_never_shown_raw(alice):
    answer = stored_answer(alice, text="No.", outcome="refused", reasons=[{"code": "brand_new_reason", "x": 1}])
    _, article = conversation_page(alice, answer)
    assert "brand_new_reason" not in words(article)
    assert not select(article, ".outcome-why")


def test_an_answer_from_before_outcomes_renders_as_it_always_did(alice):
    answer = stored_answer(alice, text="Thirty days [1].")
    _, article = conversation_page(alice, answer)
    assert article.get("data-outcome") == ""
    assert not select(article, ".quote-block, .outcome-card, details.model-text, .closest")
    assert select(article, ".answer button.cite")[0].get("data-n") == "1"


def test_the_answer_detail_carries_the_outcome_and_its_rendering_for_the_page_to_swap_in(alice):
    answer = stored_answer(alice, text="Not in the documents.", outcome="refused", reasons=[LOW_ANSWERABILITY],
                           answerability=0.18)
    client = Client()
    client.force_login(alice)
    detail = client.get(f"/c/messages/{answer.pk}/").json()

    assert (detail["outcome"], detail["answerability"], detail["reasons"]) == ("refused", 0.18, [LOW_ANSWERABILITY])
    assert detail["quote"] is None
    body = parse(f"<div>{detail['body_html']}</div>")
    assert words(select(body, ".outcome-card.refused .outcome-title")[0]) == "Not in the documents"
    assert [b.get("data-n") for b in select(body, "button.closest-source")] == ["1", "2"]


def test_the_answer_detail_gives_the_quote_with_its_offsets_in_the_passage(alice):
    answer = stored_answer(alice, text="Thirty days [1].", outcome="answered", quote=quote_of())
    client = Client()
    client.force_login(alice)
    detail = client.get(f"/c/messages/{answer.pk}/").json()
    quote = detail["quote"]
    assert PASSAGE[quote["start"]:quote["end"]] == quote["text"] == QUOTE
    assert quote["title"] == "vacation-policy"
    assert "quote-block" in detail["body_html"]
