"""Admins do not read users' conversations: the Django admin shows a conversation's and a message's metadata
(dates, status, outcome, usage) but not the text, unless ADMINS_READ_CONVERSATIONS is on, and then every
conversation or message opened is recorded in the audit trail (kind `conversation_read`).

Registered here, over webapp.chat.admin's registrations, so the chat app's admin stays as it is.
"""

from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from webapp.audit.chain import record
from webapp.audit.models import AuditEntry
from webapp.chat.admin import FeedbackAdmin, MessageAdmin
from webapp.chat.models import Conversation, Feedback, Message

HIDDEN = _("hidden: ADMINS_READ_CONVERSATIONS is off")
MESSAGE_PRIVATE_FIELDS = ("text", "search_query", "quote", "error")


def _record_read(request, obj, what: str) -> None:
    record(AuditEntry.Kind.CONVERSATION_READ, actor=request.user, obj=obj,
           data={"what": what, "owner_id": obj.user_id if what == "conversation" else obj.conversation.user_id})


class PrivateMessageAdmin(MessageAdmin):
    list_display = ["id", "conversation_id", "role", "status", "outcome", "finish_reason", "created_at"]
    search_fields = []

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if settings.ADMINS_READ_CONVERSATIONS:
            return fields
        # The conversation by number: its name is its title, the first question.
        return ["conversation_number" if f == "conversation" else f for f in fields if f not in MESSAGE_PRIVATE_FIELDS]

    @admin.display(description=_("conversation"))
    def conversation_number(self, message: Message) -> str:
        return f"#{message.conversation_id}"

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    def get_inlines(self, request, obj):
        return self.inlines if settings.ADMINS_READ_CONVERSATIONS else []

    def has_change_permission(self, request, obj=None):
        return False

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if settings.ADMINS_READ_CONVERSATIONS and request.method == "GET":
            message = Message.objects.filter(pk=object_id).select_related("conversation").first()
            if message is not None:
                _record_read(request, message, "message")
        return super().change_view(request, object_id, form_url, extra_context)


class PrivateConversationAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "title_or_hidden", "created_at", "updated_at"]
    fields = ["user", "title_or_hidden", "created_at", "updated_at", "messages_or_hidden"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        # Bulk actions show each conversation's name (its title: the first question) in checkboxes and confirmations.
        return super().get_actions(request) if settings.ADMINS_READ_CONVERSATIONS else {}

    def get_object(self, request, object_id, from_field=None):
        conversation = super().get_object(request, object_id, from_field)
        if conversation is not None and not settings.ADMINS_READ_CONVERSATIONS:
            conversation.title = ""  # in memory only (no change is allowed): its name in titles becomes "#id"
        return conversation

    @admin.display(description=_("title"))
    def title_or_hidden(self, conversation: Conversation) -> str:
        return conversation.title if settings.ADMINS_READ_CONVERSATIONS else str(HIDDEN)

    @admin.display(description=_("messages"))
    def messages_or_hidden(self, conversation: Conversation) -> str:
        if not settings.ADMINS_READ_CONVERSATIONS:
            return str(HIDDEN)
        return "\n\n".join(f"[{m.role}] {m.text}" for m in conversation.messages.all())

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if settings.ADMINS_READ_CONVERSATIONS and request.method == "GET":
            conversation = Conversation.objects.filter(pk=object_id).first()
            if conversation is not None:
                _record_read(request, conversation, "conversation")
        return super().change_view(request, object_id, form_url, extra_context)


class PrivateFeedbackAdmin(FeedbackAdmin):
    """Thumbs are shown; comments, which may quote the conversation, only with ADMINS_READ_CONVERSATIONS."""

    def get_list_display(self, request):
        return self.list_display if settings.ADMINS_READ_CONVERSATIONS else ["message", "user", "thumbs_up", "created_at"]

    def get_search_fields(self, request):
        return self.search_fields if settings.ADMINS_READ_CONVERSATIONS else ["user__username"]

    def get_exclude(self, request, obj=None):
        return None if settings.ADMINS_READ_CONVERSATIONS else ["comment"]


for model, model_admin in ((Conversation, PrivateConversationAdmin), (Message, PrivateMessageAdmin),
                           (Feedback, PrivateFeedbackAdmin)):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, model_admin)
