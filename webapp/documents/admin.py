"""Admin for collections and documents: upload, watch ingestion, retry, delete (vectors too)."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from webapp.documents import services
from webapp.documents.models import Chunk, Collection, Document
from webapp.errors import AppError


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    list_display = ["name", "document_count", "created_at"]
    filter_horizontal = ["groups"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_documents=Count("documents"))

    @admin.display(description=_("documents"), ordering="_documents")
    def document_count(self, obj):
        return obj._documents


class UploadForm(forms.ModelForm):
    class Meta:
        model = Document
        fields = ["collection", "file", "title"]

    title = forms.CharField(required=False, help_text=_("Optional; the file name is used when empty."))


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
    readonly_fields = ["status", "stage", "progress", "error", "warnings", "sha256", "size_bytes", "mime_type",
                       "page_count", "chunk_count", "version", "indexed_at", "uploaded_by", "extracted_text"]
    inlines = [ChunkInline]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = UploadForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["collection", "file", "title"]
        return ["title", "collection", "file", *self.readonly_fields]

    def get_inlines(self, request, obj):
        return self.inlines if obj else []

    @admin.display(description=_("progress"), ordering="progress")
    def progress_percent(self, obj):
        return f"{obj.progress:.0f}%"

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        try:
            document, created = services.document_upload(
                user=request.user, file=form.cleaned_data["file"], collection=form.cleaned_data["collection"],
                title=form.cleaned_data.get("title", ""),
            )
        except AppError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        obj.pk = document.pk
        if not created:
            self.message_user(request, _("This file is already in the collection: %s") % document.title, messages.WARNING)

    def delete_model(self, request, obj):
        services.document_delete(document=obj)

    def delete_queryset(self, request, queryset):
        for document in queryset:
            services.document_delete(document=document)

    @admin.action(description=_("Re-ingest selected documents"))
    def retry_ingest(self, request, queryset):
        for document in queryset:
            services.document_reingest(document=document)
        self.message_user(request, _("%d document(s) queued.") % queryset.count())
