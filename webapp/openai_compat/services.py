"""Asking through the OpenAI door: the client's history stored, then the one answer path (question_ask).

Each request without `conversation_id` is a new conversation of the token's user (it shows in their chat page,
titled by its first question); its earlier turns (request.HISTORY_PAIRS at most) are stored before the question,
so the worker reads them as it reads a conversation's history. With `conversation_id` the question joins that
conversation (one of the user's own: another's is "not found"), whose stored messages are the history.
"""

from django.db import transaction

from webapp.chat.models import Conversation, Message
from webapp.chat.services import message_cancel, question_ask
from webapp.openai_compat.catalog import ModelChoice
from webapp.openai_compat.request import CompletionRequest


def completion_ask(*, user, asked: CompletionRequest, choice: ModelChoice) -> Message:
    """The queued assistant message answering `asked`. Raises AppError as question_ask does (bad parameters,
    unknown conversation, no worker...); then nothing is stored, history included."""
    conversation_id = asked.conversation_id
    with transaction.atomic():
        if conversation_id is None and asked.history:
            conversation_id = _conversation_with(user, asked.history).pk
        return question_ask(user=user, question=asked.question, collection=choice.collection_id,
                            conversation_id=conversation_id, params=asked.params, profile=choice.profile)


def _conversation_with(user, history: tuple[tuple[str, str], ...]) -> Conversation:
    # A client's earlier turns are stored as they came, less NUL characters (PostgreSQL stores none).
    history = tuple((asked.replace("\x00", ""), answered.replace("\x00", "")) for asked, answered in history)
    conversation = Conversation.objects.create(user=user, title=history[0][0][:80])
    for asked, answered in history:
        Message.objects.create(conversation=conversation, role=Message.Role.USER, text=asked)
        Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT, text=answered,
                               status=Message.Status.DONE)
    return conversation


def answer_abandon(*, user, message_id: int) -> None:
    """The client went away before the end: stop the answer as the chat page's Stop button does (a queued one
    never starts; a running one stops within a token and is stored `cancelled`)."""
    message_cancel(user=user, message_id=message_id)
