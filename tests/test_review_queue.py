"""The review queue, the answer page and one click to a regression case, in-process (Django test client). Answers
are rows shaped as the worker writes them (written here by hand: no worker in this tier)."""

import pytest
from django.test import Client

from tests.html import parse, select, words
from webapp.chat.models import Citation, Conversation, Feedback, Message, ModelProfile
from webapp.documents.models import Collection
from webapp.review.models import PromptRecord, RegressionCase, ReviewMark

pytestmark = pytest.mark.django_db(transaction=True)


def answer(user, question: str, collection: Collection, *, outcome: str = "answered", text: str = "Thirty days [1].",
           weak: str = "") -> Message:
    conversation = Conversation.objects.create(user=user, title=question)
    Message.objects.create(conversation=conversation, role="user", text=question)
    message = Message.objects.create(conversation=conversation, role="assistant", text=text, status="done",
                                     outcome=outcome, collections=[collection.pk], search_query=question.lower(),
                                     params={"temperature": 0.0}, profile=ModelProfile.objects.first())
    Citation.objects.create(message=message, n=1, title="vacation", text="Every employee has thirty days of vacation.",
                            score=0.8123, cited=True, weak_code=weak)
    Citation.objects.create(message=message, n=2, title="travel", text="Trips are booked in the portal.", score=0.31)
    return message


def page_of(user, path: str):
    client = Client()
    client.force_login(user)
    response = client.get(path)
    return response, parse(response.content) if response.status_code == 200 else None


@pytest.fixture
def profile(db):
    return ModelProfile.objects.create(name="small", is_default=True)


def test_only_reviewers_may_open_the_review_pages(bob, charlie, handbook):
    for user in (bob, charlie):
        for path in ("/review/", "/review/sets/", f"/review/sets/{handbook.pk}/", "/review/gaps/"):
            assert page_of(user, path)[0].status_code == 403, (user, path)
    assert Client().get("/review/").status_code == 302


def test_the_queue_lists_thumbs_down_refused_unconfirmed_and_weak_answers_with_why(alice, bob, handbook, profile):
    disliked = answer(bob, "How many vacation days?", handbook)
    Feedback.objects.create(message=disliked, user=bob, thumbs_up=False, comment="wrong")
    answer(bob, "Who is the CEO?", handbook, outcome="refused")
    answer(bob, "Parking rules?", handbook, outcome="unconfirmed")
    answer(bob, "Travel receipts?", handbook, weak="number_missing")
    answer(bob, "Fine answer?", handbook)
    _, page = page_of(alice, "/review/")
    rows = {words(select(tr, "td")[0]): words(select(tr, "td")[1]) for tr in select(page, ".review-row")}
    assert rows == {"How many vacation days?": "thumbs down", "Who is the CEO?": "refused",
                    "Parking rules?": "not confirmed", "Travel receipts?": "weak citation"}
    _, page = page_of(alice, "/review/?reason=refused")
    assert [words(select(tr, "td")[0]) for tr in select(page, ".review-row")] == ["Who is the CEO?"]


def test_the_queue_filters_by_collection_and_date_and_hides_what_the_reviewer_may_not_read(alice, bob, handbook, profile):
    secret = Collection.objects.create(name="secret")
    answer(bob, "Handbook refusal?", handbook, outcome="refused")
    answer(bob, "Secret refusal?", secret, outcome="refused")
    _, page = page_of(alice, "/review/")
    assert [words(select(tr, "td")[0]) for tr in select(page, ".review-row")] == ["Handbook refusal?"]
    _, page = page_of(alice, f"/review/?collection={handbook.pk}&since=2000-01-01&until=2000-01-02")
    assert select(page, ".review-row") == []


def test_the_answer_page_shows_query_passages_scores_prompt_and_parameters(alice, bob, handbook, profile):
    message = answer(bob, "How many vacation days?", handbook, outcome="unconfirmed")
    Feedback.objects.create(message=message, user=bob, thumbs_up=False, comment="It forgot the interns.")
    PromptRecord.objects.create(message=message, text="Sources:\n[1] Every employee…\nQuestion: How many", tokens=42)
    _, page = page_of(alice, f"/review/answers/{message.pk}/")
    assert words(select(page, ".review-question")[0]) == "How many vacation days?"
    assert words(select(page, ".review-query")[0]) == "how many vacation days?"
    assert "0.8123" in words(select(page, ".review-passage")[0])
    assert "Question: How many" in select(page, ".review-prompt")[0].text_content()
    assert "temperature=0.0" in words(page)
    assert words(select(page, ".review-feedback")[0]) == "thumbs down: “It forgot the interns.”"


def test_one_click_makes_a_regression_case_from_the_picked_passage_and_marks_the_answer_reviewed(alice, bob, handbook, profile):
    message = answer(bob, "How many vacation days?", handbook, outcome="unconfirmed")
    client = Client()
    client.force_login(alice)
    response = client.post(f"/review/answers/{message.pk}/case", {
        "passage": ["1"], "expected_answer": "thirty days", "collection": handbook.pk})
    assert response.status_code == 302 and response["Location"] == f"/review/sets/{handbook.pk}/"
    case = RegressionCase.objects.get()
    assert (case.question, case.expected_answer, case.should_refuse) == ("How many vacation days?", "thirty days", False)
    assert [p["text"] for p in case.expected_passages] == ["Every employee has thirty days of vacation."]
    assert case.evaluation_set.collection == handbook and ReviewMark.objects.filter(message=message).exists()
    _, page = page_of(alice, "/review/")
    assert select(page, ".review-row") == []


def test_a_case_that_expects_nothing_is_refused_with_words_a_person_can_act_on(alice, bob, handbook, profile):
    message = answer(bob, "How many vacation days?", handbook, outcome="refused")
    client = Client()
    client.force_login(alice)
    response = client.post(f"/review/answers/{message.pk}/case", {"collection": handbook.pk}, follow=True)
    assert "Pick an expected passage" in words(parse(response.content))
    assert not RegressionCase.objects.exists()


def test_a_reviewer_cannot_file_a_case_into_a_collection_they_may_not_read(alice, bob, handbook, profile):
    secret = Collection.objects.create(name="secret")
    message = answer(bob, "How many vacation days?", handbook, outcome="refused")
    client = Client()
    client.force_login(alice)
    response = client.post(f"/review/answers/{message.pk}/case", {"should_refuse": "on", "collection": secret.pk})
    assert response.status_code == 404 and not RegressionCase.objects.exists()


def test_the_review_pages_speak_portuguese(alice, bob, handbook, profile):
    answer(bob, "Quantos dias de férias?", handbook, outcome="refused")
    client = Client(headers={"accept-language": "pt-BR"})
    client.force_login(alice)
    page = parse(client.get("/review/").content)
    assert words(select(page, "h1")[0]) == "Fila de revisão"
    assert words(select(page, ".review-row td")[1]) == "recusada"
    page = parse(client.get(f"/review/sets/{handbook.pk}/").content)
    assert words(select(page, "h1")[0]) == "Conjunto de avaliação de handbook"


def test_a_follow_up_is_listed_by_its_own_question_not_the_conversations_first(alice, bob, handbook, profile):
    first = answer(bob, "How many vacation days?", handbook)
    Message.objects.create(conversation=first.conversation, role="user", text="And for interns?")
    Message.objects.create(conversation=first.conversation, role="assistant", outcome="refused",
                           collections=[handbook.pk])
    _, page = page_of(alice, "/review/")
    assert [words(select(tr, "td")[0]) for tr in select(page, ".review-row")] == ["And for interns?"]


def test_mark_reviewed_moves_an_answer_to_the_reviewed_list(alice, bob, handbook, profile):
    message = answer(bob, "Who is the CEO?", handbook, outcome="refused")
    client = Client()
    client.force_login(alice)
    assert client.post(f"/review/answers/{message.pk}/reviewed").status_code == 302
    assert select(page_of(alice, "/review/")[1], ".review-row") == []
    assert len(select(page_of(alice, "/review/?reviewed=1")[1], ".review-row")) == 1
    assert ReviewMark.objects.get().reviewed_by == alice
