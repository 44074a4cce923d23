"""Writing usage: a row when a question is asked, its figures when the worker finishes the answer."""

from django.utils import timezone

from retrieval.contracts.payloads import Usage
from webapp.audit.context import current_surface
from webapp.usage.models import AnswerUsage


def usage_started(*, answer, user, surface: str) -> AnswerUsage:
    """Called in the transaction that creates the queued answer (every surface asks through question_ask)."""
    return AnswerUsage.objects.create(
        message=answer, user=user, surface=surface, profile=answer.profile,
        profile_name=answer.profile.name if answer.profile else "", collections=list(answer.collections or []),
    )


def usage_finished(*, message, usage: Usage) -> AnswerUsage:
    """Fill in the tokens and the model time (from the answer's start in the worker to now).

    One UPDATE, then a create only when question_ask wrote no row: no read-then-write transaction, which SQLite
    in WAL mode would refuse at once (not wait) when another process wrote in between."""
    now = timezone.now()
    waited = (usage.get("queue_wait_ms") or 0) / 1000
    figures = {"finished_at": now, "prompt_tokens": int(usage.get("prompt_tokens") or 0),
               "completion_tokens": int(usage.get("completion_tokens") or 0),
               "model_seconds": round(max(0.0, (now - message.created_at).total_seconds() - waited), 3)}
    if not AnswerUsage.objects.filter(message=message).update(**figures):
        # No row: asked without question_ask (manage.py evaluate_answers answers in its own process).
        return AnswerUsage.objects.create(
            message=message, user_id=message.conversation.user_id, surface=current_surface(), profile=message.profile,
            profile_name=message.profile.name if message.profile else "", collections=list(message.collections or []),
            **figures)
    return AnswerUsage.objects.get(message=message)
