"""The prompt an answer sent the model, kept for the review queue. Written by the worker after the answer is done,
so it adds nothing before the first token."""

from django.db import IntegrityError, transaction

from webapp.review.models import PromptRecord


def prompt_record_keep(message_id: int, text: str, tokens: int) -> None:
    """Quietly nothing when the message is gone (its conversation deleted while it was answered)."""
    try:
        with transaction.atomic():
            PromptRecord.objects.update_or_create(message_id=message_id, defaults={"text": text, "tokens": tokens})
    except IntegrityError:
        pass
