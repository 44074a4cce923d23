"""Decisions on what belongs to one user: conversations, messages (and their event streams), feedback, API
tokens. Part of the one access module (`webapp.access.decide` states the rules): only the owner reaches these
through the product's pages and API; anyone else gets Hidden (404), as for an id that does not exist.
Superusers see them in the Django admin (`webapp.access.admin_scope`), not here.
"""

from django.db.models import QuerySet

from webapp import errors
from webapp.access.decide import Hidden, active, staff

CONVERSATION_NOT_FOUND = errors.CONVERSATION_NOT_FOUND
MESSAGE_NOT_FOUND = "Message not found."
TOKEN_NOT_FOUND = "Token not found."


def conversations_for(user) -> QuerySet:
    from webapp.chat.models import Conversation

    return Conversation.objects.filter(user=user) if active(user) else Conversation.objects.none()


def conversation_for(user, conversation_id: int):
    conversation = conversations_for(user).filter(pk=conversation_id).first()
    if conversation is None:
        raise Hidden(CONVERSATION_NOT_FOUND)
    return conversation


def messages_for(user) -> QuerySet:
    from webapp.chat.models import Message

    return Message.objects.filter(conversation__user=user) if active(user) else Message.objects.none()


def message_for(user, message_id: int, role: str | None = None):
    """The user's message (with `role`, only a message of that role): its text, its citations, its feedback and
    its event stream. Hidden (404) for anyone else's."""
    found = messages_for(user).filter(pk=message_id)
    message = (found.filter(role=role) if role else found).first()
    if message is None:
        raise Hidden(MESSAGE_NOT_FOUND)
    return message


def feedback_for(user) -> QuerySet:
    """The feedback the user gave (one per answer of theirs)."""
    from webapp.chat.models import Feedback

    return Feedback.objects.filter(user=user) if active(user) else Feedback.objects.none()


def tokens_for(user) -> QuerySet:
    """The API tokens the user sees and revokes on their token page: their own (superusers see and revoke
    anyone's in the admin, `admin_scope.SuperusersOnly`)."""
    from webapp.accounts.models import ApiToken

    return ApiToken.objects.filter(user=user) if active(user) else ApiToken.objects.none()


def admin_scope_offered(user) -> bool:
    """Whether a token of the user's may carry the `admin` scope (never more than its owner may do)."""
    return staff(user)


def token_for(user, token_id: int):
    token = tokens_for(user).filter(pk=token_id).first()
    if token is None:
        raise Hidden(TOKEN_NOT_FOUND)
    return token
