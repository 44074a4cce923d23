"""The audit trail in the admin: browse and filter (kind, user, surface, date; any user by name in the search box),
export CSV or JSON Lines.
Nothing can be added, changed or deleted here. Also the privacy guard on conversations (webapp.audit.privacy)."""

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from webapp.audit import privacy  # noqa: F401  (registers the guarded conversation and message admins)
from webapp.audit.exports import entries_csv, entries_jsonl
from webapp.audit.models import AuditEntry
from webapp.audit.signals import export_recorded


class ActorFilter(admin.SimpleListFilter):
    """The users who acted, by name (the 100 most recent; any other by `?actor_id=N` or the search box)."""

    title = _("user")
    parameter_name = "actor_id"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        ids = []
        for actor_id in AuditEntry.objects.exclude(actor_id=None).order_by("-seq").values_list("actor_id", flat=True)[:2000]:
            if actor_id not in ids:
                ids.append(actor_id)
        names = dict(get_user_model().objects.filter(pk__in=ids[:100]).values_list("pk", "username"))
        return [(str(i), names.get(i, f"#{i}")) for i in ids[:100]]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(actor_id=int(value)) if value and value.isdigit() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["seq", "created_at", "kind", "actor_id", "username", "surface", "object_type", "object_id"]
    list_filter = ["kind", ActorFilter, "surface", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["=actor_id", "personal__username", "object_id", "hash"]
    date_hierarchy = "created_at"
    actions = ["export_csv", "export_jsonl"]
    fields = ["seq", "created_at", "kind", "actor_id", "surface", "object_type", "object_id", "data_pretty", "personal",
              "personal_sha256", "personal_erased_at", "prev_hash", "hash"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("user name"))
    def username(self, entry: AuditEntry) -> str:
        return entry.personal.get("username", "–") if entry.personal else "–"

    @admin.display(description=_("data"))
    def data_pretty(self, entry: AuditEntry):
        import json

        return format_html("<pre>{}</pre>", json.dumps(entry.data, indent=2, ensure_ascii=False))

    @admin.action(description=_("Export selected entries as CSV"))
    def export_csv(self, request, queryset):
        return self._export(request, queryset, "csv", entries_csv, "text/csv")

    @admin.action(description=_("Export selected entries as JSON Lines"))
    def export_jsonl(self, request, queryset):
        return self._export(request, queryset, "jsonl", entries_jsonl, "application/jsonl")

    def _export(self, request, queryset, extension, render, content_type):
        entries = list(queryset.order_by("seq"))
        export_recorded(what=f"audit.{extension}", actor=request.user, count=len(entries),
                        seq_range=[entries[0].seq, entries[-1].seq] if entries else [])
        response = HttpResponse(render(entries), content_type=f"{content_type}; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.{extension}"'
        return response
