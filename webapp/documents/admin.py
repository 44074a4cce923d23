"""Admin for collections and documents: upload, watch ingestion, retry, delete (vectors too)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from webapp.access import decide
from webapp.access.admin_scope import GrantInline
from webapp.access.models import Role
from webapp.documents import services
from webapp.documents.models import Chunk, Collection, Document
from webapp.documents.warnings import warnings_in_words
from webapp.errors import AppError


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    """Collections the user manages (superusers: all), with their grants inline."""

    list_display = ["name", "document_count", "created_at"]
    search_fields = ["name"]
    inlines = [GrantInline]

    def get_queryset(self, request):
        managed = decide.collections_for(request.user, Role.MANAGER).values("pk")
        return super().get_queryset(request).filter(pk__in=managed).annotate(_documents=Count("documents"))

    def has_add_permission(self, request):
        return decide.may_create_collections(request.user) and super().has_add_permission(request)

    @admin.display(description=_("documents"), ordering="_documents")
    def document_count(self, obj):
        return obj._documents


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one input (Django's documented recipe); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class UploadForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["collection", "title"]

    # Empty files pass here so the upload service can say, file by file, why one was refused.
    files = MultipleFileField(label=_("files"), allow_empty_file=True,
                              help_text=_("Choose one or many files; each becomes a document."))
    title = forms.CharField(required=False, help_text=_("Optional, for a single file; the file name is used when empty."))


class ChunkInline(admin.TabularInline):
    model = Chunk
    fields = ["ordinal", "page", "location", "heading_path", "token_count", "text"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("version", "ordinal")


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "collection", "status", "stage", "progress_percent", "page_count", "chunk_count", "error", "created_at"]
    list_filter = ["status", "collection"]
    search_fields = ["title", "original_name", "sha256"]
    actions = ["retry_ingest"]
    readonly_fields = ["status", "stage", "progress", "error", "warnings_said", "sha256", "size_bytes", "mime_type",
                       "page_count", "chunk_count", "version", "indexed_at", "uploaded_by", "extracted_text"]
    inlines = [ChunkInline]

    def get_queryset(self, request):
        """The documents of the collections the user may read; changing one needs editor (`decide`)."""
        return super().get_queryset(request).filter(collection__in=decide.collections_for(request.user))

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "collection":
            kwargs["queryset"] = decide.collections_for(request.user, Role.EDITOR)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        editable = obj is None or decide.may(request.user, obj.collection_id, decide.WRITE)
        return editable and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        deletable = obj is None or decide.may(request.user, obj.collection_id, decide.DELETE)
        return deletable and super().has_delete_permission(request, obj)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = UploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["collection", "files", "title"]
        return ["title", "collection", "file", *self.readonly_fields]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @admin.display(description=_("warnings"))
    def warnings_said(self, obj):
        """The parser's warnings in the reader's language, one a line (the stored codes are for programs)."""
        return format_html_join("", "<p>{}</p>", ((said,) for said in warnings_in_words(obj.warnings))) or "–"

    @admin.display(description=_("progress"), ordering="progress")
    def progress_percent(self, obj):
        return f"{obj.progress:.0f}%"

    def save_model(self, request, obj, form, change):
        if change:
            return self._save_change(request, obj, form)
        files = form.cleaned_data["files"]
        title = form.cleaned_data.get("title", "") if len(files) == 1 else ""
        request._uploaded = [self._upload(request, f, form.cleaned_data["collection"], title) for f in files]
        obj.pk = next((d.pk for d in request._uploaded if d), None)

    def _save_change(self, request, obj, form):
        """A new collection goes through `document_move`, which also brings the index along."""
        moved_to = obj.collection if "collection" in form.changed_data else None
        if moved_to:
            obj.collection_id = form.initial["collection"]
        super().save_model(request, obj, form, True)
        if moved_to:
            services.document_move(document=obj, collection=moved_to)

    def _upload(self, request, file, collection, title: str) -> Document | None:
        try:
            document, created = services.document_upload(user=request.user, file=file, collection=collection, title=title)
        except AppError as exc:
            self.message_user(request, f"{file.name}: {exc.message}", messages.ERROR)
            return None
        if not created:
            self.message_user(request, _("%(file)s is already in the collection: %(title)s") % {
                "file": file.name, "title": document.title}, messages.WARNING)
        return document

    def log_addition(self, request, obj, message):
        for document in filter(None, getattr(request, "_uploaded", [])):
            super().log_addition(request, document, message)

    def response_add(self, request, obj, post_url_continue=None):
        queued = len(list(filter(None, getattr(request, "_uploaded", []))))
        self.message_user(request, _("%d file(s) uploaded and queued for indexing.") % queued, messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:documents_document_changelist"))

    def delete_model(self, request, obj):
        services.document_delete(user=request.user, document=obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.document_delete(user=request.user, document=document)

    @admin.action(description=_("Re-ingest selected documents"))
    def retry_ingest(self, request, queryset):
        allowed = queryset.filter(collection__in=decide.collections_for(request.user, Role.EDITOR))
        for document in allowed:
            services.document_reingest(document=document)
        self.message_user(request, _("%d document(s) queued.") % allowed.count())
