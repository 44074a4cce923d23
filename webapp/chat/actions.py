"""What a person does to their own conversations from the chat page: rename, delete, regenerate the last
answer (keeping the earlier versions), edit and resend the last question, and give feedback on an answer.

Every function checks ownership first through the access module (`webapp.access.owned`): another user's
conversation or message is "not found" (404), never "forbidden", so ids leak nothing.
"""

from django.db import transaction
from django.db.models import Q

from retrieval.contracts import events
from webapp.access import owned
from webapp.audit.context import current_surface
from webapp.chat.models import Conversation, Feedback, Message
from webapp.chat.services import answer_prepare, answer_queue, question_checked
from webapp.errors import AppError
from webapp.usage.quotas import quota_check

TITLE_MAX = 200
COMMENT_MAX = 2000
ACTIVE = (Message.Status.QUEUED, Message.Status.RUNNING)

MESSAGE_NOT_FOUND = owned.MESSAGE_NOT_FOUND
TITLE_EMPTY = "The title is empty."
TITLE_NOT_TEXT = "The title must be text."
NOT_LAST = "Only the last question and answer of a conversation can be redone."
STILL_ANSWERING = "The answer is still being written: stop it or wait for it to end."
FEEDBACK_NOT_ANSWERED = "Feedback can only be given on a finished answer."


def access_conversation(*, user, conversation_id: int) -> Conversation:
    return owned.conversation_for(user, conversation_id)


def access_message(*, user, message_id: int, role: str) -> Message:
    return owned.message_for(user, message_id, role=role)


def conversation_rename(*, user, conversation_id: int, title: str) -> Conversation:
    conversation = access_conversation(user=user, conversation_id=conversation_id)
    if not isinstance(title, str):
        raise AppError("invalid_request", TITLE_NOT_TEXT, details={"field": "title"})
    title = " ".join(title.split())[:TITLE_MAX]
    if not title:
        raise AppError("title_empty", TITLE_EMPTY, details={"field": "title"})
    conversation.title = title
    # Not `updated_at`: renaming must not move the conversation to the top of the list.
    Conversation.objects.filter(pk=conversation.pk).update(title=title)
    return conversation


def conversation_delete(*, user, conversation_id: int) -> None:
    """Delete the conversation and its messages; an answer still being written is cancelled first, and
    a queued one leaves the answer queue (nobody would take it off: its task finds no message)."""
    conversation = access_conversation(user=user, conversation_id=conversation_id)
    for message_id in conversation.messages.filter(status__in=ACTIVE).values_list("pk", flat=True):
        events.request_cancel(message_id)
        events.dequeued(message_id)
    conversation.delete()


def answer_regenerate(*, user, message_id: int, collection=None, params: dict | None = None,
                      profile: str | None = None) -> Message:
    """A new answer to the conversation's last question, written with the given settings (as a new question would
    be); the answer it replaces is kept as an earlier version (`Message.superseded`). `message_id` may be any version
    of the last answer. Returns the new, queued answer."""
    answer = _newest_version(access_message(user=user, message_id=message_id, role=Message.Role.ASSISTANT))
    asked = _question_of(answer)
    return _reanswer(user, asked, answer, asked.text, collection, params, profile, keep=True)


def answer_versions(answer: Message) -> list[int]:
    """The ids of every version of `answer` (itself included), oldest first."""
    first = answer.first_version_id or answer.pk
    later = Message.objects.filter(first_version_id=first).order_by("pk").values_list("pk", flat=True)
    return [first, *later]


def question_edit(*, user, message_id: int, question: str, collection=None, params: dict | None = None,
                  profile: str | None = None) -> Message:
    """Change the question that the conversation's last answer (`message_id`) replies to, and answer it
    again: the old answer goes. Returns the new, queued answer."""
    answer = _newest_version(access_message(user=user, message_id=message_id, role=Message.Role.ASSISTANT))
    asked = _question_of(answer)
    return _reanswer(user, asked, answer, question_checked(question), collection, params, profile, keep=False)


def feedback_give(*, user, message_id: int, thumbs_up: bool | None, comment: str = "") -> Feedback | None:
    """Record (or change) the person's thumbs up or down and optional comment on an answer;
    `thumbs_up=None` withdraws it. One feedback per person and answer."""
    answer = access_message(user=user, message_id=message_id, role=Message.Role.ASSISTANT)
    if answer.status in ACTIVE:
        raise AppError("not_answered", FEEDBACK_NOT_ANSWERED, status=409)
    existing = Feedback.objects.filter(message=answer, user=user)
    if thumbs_up is None:
        existing.delete()
        return None
    comment = (comment or "").strip()[:COMMENT_MAX]
    feedback = existing.order_by("-pk").first()
    if feedback is None:
        return Feedback.objects.create(message=answer, user=user, thumbs_up=thumbs_up, comment=comment)
    feedback.thumbs_up, feedback.comment = thumbs_up, comment
    feedback.save(update_fields=["thumbs_up", "comment"])
    return feedback


def _newest_version(answer: Message) -> Message:
    """The version of `answer` the conversation shows now (itself unless it was regenerated since)."""
    if not answer.superseded:
        return answer
    first = answer.first_version_id or answer.pk
    newest = Message.current().filter(Q(pk=first) | Q(first_version_id=first)).order_by("-pk").first()
    return newest or answer


def _question_of(answer: Message) -> Message:
    """The question `answer` replies to, when both are the conversation's last exchange."""
    last_two = list(Message.current().filter(conversation=answer.conversation_id).order_by("-created_at", "-pk")[:2])
    if len(last_two) < 2 or last_two[0].pk != answer.pk or last_two[1].role != Message.Role.USER:
        raise AppError("not_last", NOT_LAST, status=409)
    if answer.status in ACTIVE:
        raise AppError("still_answering", STILL_ANSWERING, status=409)
    return last_two[1]


def _reanswer(user, asked: Message, old: Message, question: str, collection, params, profile, *, keep: bool) -> Message:
    """`keep`: the old answer stays as an earlier version (regenerate); else it goes with its versions (an edited
    question: they answered another one). Checked and queued as a new question is (`webapp.chat.services`)."""
    asking = answer_prepare(user=user, collection=collection, params=params, profile=profile)
    first = old.first_version_id or old.pk
    with transaction.atomic():
        if asking.limited:
            quota_check(user, locked=True)
        # Superseding (or deleting) claims the redo: of two clicks at once, only one finds the old answer current.
        # The new answer must come after the question with only earlier versions between (the worker skips them).
        claimed = Message.current().filter(pk=old.pk).exclude(status__in=ACTIVE)
        if not (claimed.update(superseded=True) if keep else claimed.delete()[0]):
            raise AppError("still_answering", STILL_ANSWERING, status=409)
        if not keep:
            Message.objects.filter(Q(pk=first) | Q(first_version_id=first)).delete()
        if question != asked.text:
            Message.objects.filter(pk=asked.pk).update(text=question)
        return answer_queue(user=user, conversation=asked.conversation, asking=asking, surface=current_surface(),
                            first_version_id=first if keep else None)
