"""The chat page's actions on a person's own conversations: rename, delete, redo, feedback — only the owner."""

import pytest
from django.test import Client

from retrieval.contracts import events
from webapp.chat.models import Conversation, Feedback, Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def exchange(alice):
    """Alice's conversation with one finished question and answer."""
    conversation = Conversation.objects.create(user=alice, title="Vacation days")
    asked = Message.objects.create(conversation=conversation, role="user", text="How many vacation days?")
    answer = Message.objects.create(conversation=conversation, role="assistant", text="Thirty [1].", status="done")
    return conversation, asked, answer


def post(user, path: str, body: dict | None = None):
    client = Client()
    client.force_login(user)
    return client.post(path, body or {}, content_type="application/json")


def test_alice_renames_her_conversation(alice, exchange):
    conversation, _, _ = exchange
    response = post(alice, f"/c/{conversation.pk}/rename", {"title": "  Vacation   in 2027 "})
    assert response.status_code == 200
    assert response.json() == {"id": conversation.pk, "title": "Vacation in 2027"}
    assert Conversation.objects.get().title == "Vacation in 2027"


def test_a_rename_keeps_the_conversation_where_it_is_in_the_list(alice, exchange):
    conversation, _, _ = exchange
    before = Conversation.objects.get().updated_at
    post(alice, f"/c/{conversation.pk}/rename", {"title": "Renamed"})
    assert Conversation.objects.get().updated_at == before


def test_an_empty_title_is_refused(alice, exchange):
    conversation, _, _ = exchange
    response = post(alice, f"/c/{conversation.pk}/rename", {"title": "   "})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "title_empty"
    assert Conversation.objects.get().title == "Vacation days"


def test_alice_deletes_her_conversation_with_its_messages(alice, exchange):
    conversation, _, _ = exchange
    response = post(alice, f"/c/{conversation.pk}/delete")
    assert response.status_code == 200
    assert not Conversation.objects.exists() and not Message.objects.exists()


def test_deleting_a_conversation_cancels_its_waiting_answer_and_takes_it_out_of_the_queue(alice, exchange):
    conversation, _, _ = exchange
    waiting = Message.objects.create(conversation=conversation, role="assistant", status="queued")
    events.enqueued(waiting.pk)
    post(alice, f"/c/{conversation.pk}/delete")
    assert events.client().zrank(events.answer_queue_key(), str(waiting.pk)) is None
    assert events.is_cancelled(waiting.pk)


def test_charlie_can_neither_rename_nor_delete_nor_redo_nor_rate_alices_conversation(charlie, exchange):
    conversation, _, answer = exchange
    for path, body in [
        (f"/c/{conversation.pk}/rename", {"title": "mine"}),
        (f"/c/{conversation.pk}/delete", {}),
        (f"/c/messages/{answer.pk}/regenerate", {}),
        (f"/c/messages/{answer.pk}/edit", {"question": "mine?"}),
        (f"/c/messages/{answer.pk}/feedback", {"thumbs": "down"}),
    ]:
        response = post(charlie, path, body)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    assert Conversation.objects.get().title == "Vacation days"
    assert Message.objects.count() == 2 and not Feedback.objects.exists()


def test_feedback_is_one_per_person_and_answer_and_can_be_changed_or_withdrawn(alice, exchange):
    _, _, answer = exchange
    assert post(alice, f"/c/messages/{answer.pk}/feedback", {"thumbs": "up"}).json() == {"thumbs_up": True, "comment": ""}
    response = post(alice, f"/c/messages/{answer.pk}/feedback", {"thumbs": "down", "comment": " Wrong year. "})
    assert response.json() == {"thumbs_up": False, "comment": "Wrong year."}
    feedback = Feedback.objects.get()
    assert (feedback.message_id, feedback.user_id, feedback.thumbs_up) == (answer.pk, alice.pk, False)

    assert post(alice, f"/c/messages/{answer.pk}/feedback", {"thumbs": ""}).json() == {"thumbs_up": None, "comment": ""}
    assert not Feedback.objects.exists()


def test_feedback_on_an_answer_still_being_written_is_refused(alice, exchange):
    _, _, answer = exchange
    Message.objects.filter(pk=answer.pk).update(status="running")
    response = post(alice, f"/c/messages/{answer.pk}/feedback", {"thumbs": "up"})
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_answered"


def test_only_the_last_answer_can_be_regenerated_or_have_its_question_edited(alice, exchange):
    conversation, _, first = exchange
    Message.objects.create(conversation=conversation, role="user", text="And for interns?")
    Message.objects.create(conversation=conversation, role="assistant", text="Fifteen.", status="done")
    for path, body in [(f"/c/messages/{first.pk}/regenerate", {}), (f"/c/messages/{first.pk}/edit", {"question": "x"})]:
        response = post(alice, path, body)
        assert response.status_code == 409 and response.json()["error"]["code"] == "not_last"
    assert Message.objects.count() == 4


def test_an_answer_still_being_written_cannot_be_regenerated(alice, exchange):
    _, _, answer = exchange
    Message.objects.filter(pk=answer.pk).update(status="running")
    response = post(alice, f"/c/messages/{answer.pk}/regenerate")
    assert response.status_code == 409 and response.json()["error"]["code"] == "still_answering"
    assert Message.objects.filter(pk=answer.pk).exists()


def test_a_body_that_is_not_a_json_object_is_a_400(alice, exchange):
    conversation, _, _ = exchange
    client = Client()
    client.force_login(alice)
    response = client.post(f"/c/{conversation.pk}/rename", "[1]", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "invalid_request"
