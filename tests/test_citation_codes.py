"""The support check's verdict travels as a code with its parameters: the worker stores and sends them, and the
web says them in the reader's language (tests/test_rendering.py). In-process: `_complete` is the worker's last
step, given an answer that cites, which the tiny test model does not write."""

import json

import pytest
from django.contrib.auth.models import User

from retrieval.answer import _complete
from retrieval.contracts import events
from retrieval.types import Passage
from webapp.chat.models import Citation, Conversation, Message

pytestmark = pytest.mark.django_db
VACATION = "Vacation is thirty calendar days per year, taken in up to three periods."


def test_the_worker_stores_and_sends_a_weak_citation_as_its_code_and_parameters():
    user = User.objects.create_user("dana")
    message = Message.objects.create(conversation=Conversation.objects.create(user=user),
                                     role=Message.Role.ASSISTANT, status=Message.Status.RUNNING)
    passage = Passage(n=1, chunk_id=None, document_id=None, collection_id=1, title="policy", text=VACATION,
                      page=None, location="", heading_path="", char_start=0, char_end=len(VACATION), score=1.0)

    _complete(message, "Vacation is forty-five calendar days per year at Petrobras [1].", [passage], {}, "stop",
              question="How many vacation days per year?")

    row = Citation.objects.get(message=message)
    assert row.weak and row.weak_code == "number_missing"
    assert row.weak_params == {"numbers": ["forty-five"]} and row.weak_reason == "[1] does not contain forty-five."
    entries = events.client().xrange(events.stream_key(message.pk))
    events.client().delete(events.stream_key(message.pk))
    done = json.loads(next(fields[b"data"] for _, fields in entries if fields[b"event"] == b"done"))
    [cited] = done["citations"]
    assert (cited["weak_code"], cited["weak_params"]) == ("number_missing", {"numbers": ["forty-five"]})
