from django.contrib import admin

from webapp.chat.models import Citation, Conversation, Feedback, Message, ModelProfile


@admin.register(ModelProfile)
class ModelProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "model_path", "context_size", "temperature", "max_tokens"]


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    fields = ["n", "title", "page", "location", "score", "cited"]
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "conversation", "role", "status", "finish_reason", "created_at"]
    list_filter = ["role", "status"]
    readonly_fields = ["conversation", "role", "text", "status", "error", "search_query", "collections", "profile",
                       "params", "usage", "finish_reason", "created_at", "finished_at"]
    inlines = [CitationInline]


admin.site.register(Conversation)
admin.site.register(Feedback)
