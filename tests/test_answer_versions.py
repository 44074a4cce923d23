"""Regenerate keeps the answers it replaces as earlier versions (the page's ‹ 1/2 ›), out of the conversation's
history; an edited question starts over. Through the page's real endpoints, with the real worker running (asking
needs one) — the answers are checked as rows, before the worker's answer matters."""

import pytest
from django.test import Client

from retrieval.answer import _question_and_history
from webapp.chat.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def exchange(worker, alice):
    conversation = Conversation.objects.create(user=alice, title="Vacation days")
    Message.objects.create(conversation=conversation, role="user", text="How many vacation days?")
    answer = Message.objects.create(conversation=conversation, role="assistant", text="Thirty [1].", status="done")
    return conversation, answer


def post(user, path: str, body: dict | None = None):
    client = Client()
    client.force_login(user)
    return client.post(path, body or {}, content_type="application/json")


def finish(message_id: int) -> None:
    Message.objects.filter(pk=message_id).update(status="done", text=f"Answer {message_id}.")


def test_regenerating_twice_keeps_three_versions_and_the_history_reads_only_the_newest(alice, exchange):
    conversation, first = exchange
    second = post(alice, f"/c/messages/{first.pk}/regenerate").json()["message_id"]
    finish(second)
    # from the first version too: the newest one is regenerated
    third = post(alice, f"/c/messages/{first.pk}/regenerate").json()["message_id"]
    finish(third)

    assert [(m.pk, m.superseded, m.first_version_id) for m in Message.objects.filter(role="assistant")] == [
        (first.pk, True, None), (second, True, first.pk), (third, False, first.pk)]
    detail = Client()
    detail.force_login(alice)
    assert detail.get(f"/c/messages/{first.pk}/").json()["versions"] == [first.pk, second, third]
    page = detail.get(f"/c/{conversation.pk}/")
    assert f'data-message-id="{third}"' in page.content.decode()
    assert f'data-message-id="{first.pk}"' not in page.content.decode()
    assert f'data-message-id="{second}"' not in page.content.decode()
    assert f'data-versions="{first.pk},{second},{third}"' in page.content.decode()

    follow_up = post(alice, f"/c/messages/{third}/edit", {"question": "How many vacation days?"})  # nothing to edit
    finish(follow_up.json()["message_id"])
    Message.objects.create(conversation=conversation, role="user", text="And for interns?")
    asking = Message.objects.create(conversation=conversation, role="assistant", status="queued")
    question, history = _question_and_history(asking)
    assert question == "And for interns?"
    assert [answer for _, answer in history] == [f"Answer {follow_up.json()['message_id']}."]


def test_editing_the_question_drops_every_version_of_its_answer(alice, exchange):
    _, first = exchange
    second = post(alice, f"/c/messages/{first.pk}/regenerate").json()["message_id"]
    finish(second)
    edited = post(alice, f"/c/messages/{first.pk}/edit", {"question": "How many days for interns?"}).json()["message_id"]
    assert list(Message.objects.filter(role="assistant").values_list("pk", flat=True)) == [edited]
    assert Message.objects.get(pk=edited).first_version_id is None
