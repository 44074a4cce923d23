from django.contrib import admin
from django.urls import reverse
from django.utils.formats import date_format, number_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from webapp.access.admin_scope import SuperusersOnly
from webapp.chat.evaluation import tradeoff_at
from webapp.chat.models import Citation, Conversation, EvaluationRun, Feedback, Message, ModelProfile
from webapp.chat.outcomes import percent, reasons_text
from webapp.chat.profiles import model_in_use


@admin.register(ModelProfile)
class ModelProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "model_path", "context_size", "temperature", "max_tokens",
                    "answerability_threshold"]
    readonly_fields = ["answerability_tradeoff"]

    def changelist_view(self, request, extra_context=None):
        """Above the list: the model that answers now, and how to add a better one (templates/admin/chat/modelprofile)."""
        default = ModelProfile.objects.filter(is_default=True).first()
        extra = {"default_profile": default, "model_in_use": model_in_use(default), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    def get_fields(self, request, obj=None):
        """The trade-off right after the threshold it describes."""
        fields = [f for f in super().get_fields(request, obj) if f != "answerability_tradeoff"]
        at = fields.index("answerability_threshold") + 1 if "answerability_threshold" in fields else len(fields)
        return [*fields[:at], "answerability_tradeoff", *fields[at:]]

    @admin.display(description=_("At this threshold"))
    def answerability_tradeoff(self, profile: ModelProfile):
        """What the latest evaluation measured at the saved threshold (or at the one the run used when empty)."""
        link = reverse("documents:evaluation")
        found = tradeoff_at(profile_name=profile.name, threshold=profile.answerability_threshold) if profile.pk else None
        if found is None:
            return format_html('{} <a href="{}">{}</a>', gettext("No evaluation of this profile yet."), link,
                               gettext("Evaluation page"))
        rows = format_html_join("", "<li>{}</li>", (
            (gettext("%(language)s at %(at)s: off-topic refused %(off)s, same-topic refused %(same)s, "
                     "false refusals %(false)s") % {
                "language": row["language"], "at": number_format(row["at"], 2), "off": percent(row["off_topic_refused"]),
                "same": percent(row["same_topic_refused"]), "false": percent(row["false_refusal"])},)
            for row in found["languages"]
        ))
        run = found["run"]
        return format_html(
            '<ul class="answerability-tradeoff">{}</ul><a href="{}?run={}">{}</a>', rows, link, run.pk,
            gettext("Evaluation of %(when)s") % {"when": date_format(run.created_at, "SHORT_DATETIME_FORMAT")},
        )


class CitationInline(admin.TabularInline):
    model = Citation
    extra = 0
    fields = ["n", "title", "page", "location", "score", "cited", "support", "weak", "weak_reason"]
    readonly_fields = fields


@admin.register(Message)
class MessageAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = ["id", "conversation", "role", "status", "outcome", "finish_reason", "answerability", "support",
                    "created_at"]
    list_filter = ["role", "status", "outcome", "superseded"]
    readonly_fields = ["conversation", "role", "text", "status", "error", "search_query", "collections", "profile",
                       "first_version", "superseded",
                       "params", "usage", "finish_reason", "support", "outcome", "reasons", "reasons_in_words",
                       "answerability", "quote", "created_at", "finished_at"]
    inlines = [CitationInline]

    @admin.display(description=_("Why, in words"))
    def reasons_in_words(self, message: Message) -> str:
        return " ".join(reasons_text(message.reasons)) or "–"


@admin.register(EvaluationRun)
class EvaluationRunAdmin(admin.ModelAdmin):
    list_display = ["id", "created_at", "profiles", "datasets", "page"]
    readonly_fields = ["created_at", "page"]

    @admin.display(description=_("Figures"))
    def page(self, run: EvaluationRun):
        if not run.pk:
            return "–"
        return format_html('<a href="{}?run={}">{}</a>', reverse("documents:evaluation"), run.pk, gettext("Evaluation page"))


@admin.register(Conversation)
class ConversationAdmin(SuperusersOnly, admin.ModelAdmin):
    pass


@admin.register(Feedback)
class FeedbackAdmin(SuperusersOnly, admin.ModelAdmin):
    list_display = ["message", "user", "thumbs_up", "comment", "created_at"]
    list_filter = ["thumbs_up"]
    search_fields = ["comment", "user__username"]
