from django.contrib import admin

from webapp.chat.models import Citation, Conversation, Feedback, Message, ModelProfile


@admin.register(ModelProfile)
class ModelProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "model_path", "context_size", "temperature", "max_tokens"]


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    fields = ["n", "title", "page", "location", "score", "cited", "support", "weak", "weak_reason"]
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "role", "status", "finish_reason", "support", "created_at"]
    list_filter = ["role", "status"]
    readonly_fields = ["conversation", "role", "text", "status", "error", "search_query", "collections", "profile",
                       "params", "usage", "finish_reason", "support", "created_at", "finished_at"]
    inlines = [CitationInline]


admin.site.register(Conversation)


@admin.register(Feedback)
class FeedbackAdmin(admin.ModelAdmin):
    list_display = ["message", "user", "thumbs_up", "comment", "created_at"]
    list_filter = ["thumbs_up"]
    search_fields = ["comment", "user__username"]
