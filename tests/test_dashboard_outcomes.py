"""The dashboard counts answers by outcome and the reasons given, old answers (no outcome stored) included."""

import pytest
from django.test import Client

from tests.html import parse, select, words
from webapp.chat.models import Conversation, Message
from webapp.documents.dashboard import dashboard_numbers

pytestmark = pytest.mark.django_db(transaction=True)

LOW = {"code": "low_answerability", "score": 0.1, "threshold": 0.35, "collections": ["handbook"]}
UNSUPPORTED = {"code": "unsupported_claims", "claims": 1, "missing": ["1987"]}


@pytest.fixture
def answers(alice, bob, handbook):
    mine = [handbook.pk]

    def answer(question, finish="stop", status="done", **fields):
        conversation = Conversation.objects.create(user=bob, title=question)
        Message.objects.create(conversation=conversation, role="user", text=question)
        return Message.objects.create(conversation=conversation, role="assistant", text="…", status=status,
                                      finish_reason=finish, collections=mine, **fields)

    return [
        answer("How many vacation days?", outcome="answered"),
        answer("Can I carry days over?", outcome="answered"),
        answer("Who won the 1987 cup?", outcome="refused", reasons=[LOW], finish="refused"),
        answer("Who hired the cars?", outcome="unconfirmed", reasons=[UNSUPPORTED]),
        answer("What is the parking policy?", finish="no_passages"),  # from before outcomes: a refusal
        answer("Per diem abroad?"),  # from before outcomes: an answer
        answer("Stopped one", status="cancelled", finish="cancelled"),
    ]


def test_answers_are_counted_by_outcome_with_old_refusals_and_answers_where_they_belong(alice, answers):
    numbers = dashboard_numbers(user=alice)
    assert numbers.answers == 7
    assert numbers.outcomes == {"answered": 3, "refused": 2, "unconfirmed": 1, "other": 1}
    assert numbers.reasons == {"low_answerability": 1, "unsupported_claims": 1, "no_passages": 1}
    assert [q.text for q in numbers.unanswered] == ["What is the parking policy?", "Who won the 1987 cup?"]


def test_the_dashboard_shows_the_refused_and_unconfirmed_shares_and_the_reasons_in_words(alice, answers):
    client = Client()
    client.force_login(alice)
    page = parse(client.get("/documents/dashboard/").content)
    assert words(page.get_element_by_id("tile-not-found")) == "29%"
    assert words(page.get_element_by_id("tile-unconfirmed")) == "14%"
    outcomes = page.get_element_by_id("answers-by-outcome")
    legend = [words(li) for li in select(outcomes, "figure.share-bar ul.legend li")][:4]
    assert legend == ["answered from the documents 3 (43%)", "“not in the documents” 2 (29%)",
                      "not confirmed by the documents 1 (14%)", "stopped or failed 1 (14%)"]
    reasons = {words(select(li, ".bar-label")[0]): words(select(li, ".bar-value")[0])
               for li in select(outcomes, "figure.bar-list li")}
    assert reasons == {"the closest passages do not answer it": "1", "claims not tied to a passage": "1",
                       "nothing found in the documents": "1"}
    assert "low_answerability" not in words(page)
