"""The worker keeps the prompt an answer sent the model (for the review queue), and none when it did not call it."""

import pytest

from tests.conftest import uploaded
from webapp.review.models import PromptRecord

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "Vacation is thirty calendar days per year. Remote work is allowed three days per week."


def test_the_prompt_sent_to_the_model_is_kept_with_its_token_count(alice_api, handbook):
    uploaded(alice_api, "policy.txt", TEXT)
    answer = alice_api.post("/chat", json={"question": "vacation", "params": {"max_tokens": 4}}).json()
    record = PromptRecord.objects.get(message_id=answer["message_id"])
    assert "Vacation is thirty calendar days per year." in record.text and "vacation" in record.text
    assert record.tokens == answer["usage"]["prompt_tokens"]


def test_no_prompt_is_kept_when_nothing_was_found_and_the_model_was_not_called(alice_api, handbook):
    answer = alice_api.post("/chat", json={"question": "vacation"}).json()
    assert answer["finish_reason"] == "no_passages"
    assert not PromptRecord.objects.filter(message_id=answer["message_id"]).exists()
