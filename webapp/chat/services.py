"""Asking a question: check the asker, write the messages, enqueue the answer after commit. A regenerated
answer or an edited question (webapp.chat.actions) goes through the same `answer_prepare` and `answer_queue`."""

from typing import NamedTuple

from django.conf import settings
from django.db import transaction

from retrieval.contracts import events
from webapp import celery_app, errors
from webapp.access import decide, owned
from webapp.audit.context import current_surface
from webapp.chat.models import Conversation, Message, ModelProfile
from webapp.chat.params import params_resolve
from webapp.errors import AppError
from webapp.usage.quotas import quota_check, quota_headers
from webapp.usage.records import usage_started


def collection_scope(user, collection: str | int | None) -> list[int]:
    """The collection ids a question searches: one the user names (by name or id), else all they may ask (read)."""
    if collection in (None, ""):
        return decide.collection_ids(user)
    found = decide.collection_named(user, collection, decide.ASK)
    if found is None:
        raise AppError("not_found", errors.COLLECTION_NOT_FOUND.format(name=collection), status=404)
    return [found.pk]


def ensure_answering_available() -> None:
    """Fail fast with 503 instead of queueing a question nobody will answer."""
    try:
        workers = events.live_workers()
    except Exception:
        raise AppError("redis_unavailable", errors.REDIS_DOWN, status=503) from None
    if not workers:
        raise AppError("worker_unavailable", errors.WORKER_DOWN, status=503)


def profile_choose(name: str | None) -> ModelProfile | None:
    """The named profile, else the default one, else None (settings' defaults)."""
    if name:
        profile = ModelProfile.objects.filter(name=name).first()
        if profile is None:
            raise AppError("invalid_param", f"No model profile named {name!r}.", details={"field": "profile"})
        return profile
    return ModelProfile.objects.filter(is_default=True).first()


def question_checked(question: str) -> str:
    """The question without surrounding blanks; a 400 naming the field when it is not text, empty or too long."""
    if question is not None and not isinstance(question, str):
        raise AppError("invalid_request", errors.QUESTION_NOT_TEXT, details={"field": "question"})
    question = (question or "").replace("\x00", "").strip()  # PostgreSQL stores no NUL; no question needs one
    if not question:
        raise AppError("invalid_request", errors.QUESTION_EMPTY, details={"field": "question"})
    if len(question) > settings.MAX_QUESTION_CHARS:
        raise AppError("invalid_request", errors.QUESTION_TOO_LONG.format(limit=settings.MAX_QUESTION_CHARS),
                       details={"field": "question", "max_length": settings.MAX_QUESTION_CHARS})
    return question


class Asking(NamedTuple):
    """What a question is answered with, decided before anything is written (`answer_prepare`)."""

    limited: bool  # a quota applies: checked again, locked, inside the transaction
    scope: list[int]
    profile: ModelProfile | None
    params: dict


def answer_prepare(*, user, collection=None, params: dict | None = None, profile: str | None = None) -> Asking:
    """The checks every new answer passes, in this order: quota (at once, before anything else is looked up), the
    collections searched, the profile and parameters, a live worker. Raises an AppError (429, 404, 400, 503)."""
    limited = quota_check(user)
    scope = collection_scope(user, collection)
    chosen = profile_choose(profile)
    resolved = params_resolve(params, profile=chosen)
    ensure_answering_available()
    return Asking(limited, scope, chosen, resolved)


def answer_queue(*, user, conversation: Conversation, asking: Asking, surface: str,
                 first_version_id: int | None = None) -> Message:
    """Inside the caller's transaction: the queued answer, its usage row, the conversation moved to the top, and
    its task sent once the transaction commits."""
    answer = Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, status=Message.Status.QUEUED,
        collections=asking.scope, profile=asking.profile, params=asking.params, first_version_id=first_version_id,
    )
    usage_started(answer=answer, user=user, surface=surface)
    conversation.save(update_fields=["updated_at"])
    transaction.on_commit(lambda: answer_enqueue(answer.pk))
    return answer


def question_ask(
    *, user, question: str, collection=None, conversation_id: int | None = None, params: dict | None = None,
    profile: str | None = None, surface: str | None = None,
) -> Message:
    """Create the user's message and a queued assistant message; returns the assistant message.

    `surface` (browser, api, openai, mcp) goes into the answer's usage row and evidence record; by default it is
    read from the current request's path (webapp.audit.context). Raises a 429 AppError when a quota is used up."""
    question = question_checked(question)
    asking = answer_prepare(user=user, collection=collection, params=params, profile=profile)
    with transaction.atomic():
        allowances = quota_check(user, locked=True) if asking.limited else []  # again, one question at a time
        conversation = _conversation(user, conversation_id, question)
        Message.objects.create(conversation=conversation, role=Message.Role.USER, text=question)
        answer = answer_queue(user=user, conversation=conversation, asking=asking,
                              surface=surface or current_surface())
    # What is left after this question (X-Quota-Remaining-*), for the surfaces to send; empty without limits.
    answer.quota_headers = quota_headers(allowances, asked=True)
    return answer


def _conversation(user, conversation_id: int | None, question: str) -> Conversation:
    if conversation_id is None:
        return Conversation.objects.create(user=user, title=question[:80])
    return owned.conversation_for(user, conversation_id)


def answer_enqueue(message_id: int) -> None:
    events.enqueued(message_id)
    # By name: the web process never imports worker code.
    celery_app.send_task("retrieval.tasks.answer", args=[message_id])


def message_cancel(*, user, message_id: int) -> Message:
    message = owned.message_for(user, message_id, role=Message.Role.ASSISTANT)
    events.request_cancel(message_id)
    if message.status == Message.Status.QUEUED:
        Message.objects.filter(pk=message_id, status=Message.Status.QUEUED).update(status=Message.Status.CANCELLED)
        events.dequeued(message_id)
        events.publish(message_id, "done", {"message_id": message_id, "conversation_id": message.conversation_id,
                                            "answer": "", "finish_reason": "cancelled", "citations": [], "usage": {}})
    return message


def message_owned(*, user, message_id: int) -> Message:
    """Kept for callers of the old name: `webapp.access.owned.message_for`."""
    return owned.message_for(user, message_id)
