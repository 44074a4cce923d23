"""Collections, documents and their chunks: the source of truth the index is derived from."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from webapp.documents.index_versions import IndexVersionQuerySet
from webapp.documents.states import DocumentQuerySet


class Collection(models.Model):
    """A workspace of documents. Who may read, edit or manage it are its grants (`webapp.access.models.Grant`);
    superusers may do everything."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("collection")
        verbose_name_plural = _("collections")

    def __str__(self) -> str:
        return self.name


class Document(models.Model):
    """An uploaded file and its ingest state; every change of that state is a method of `Document.objects`
    (`webapp.documents.states`)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        PARSING = "parsing", _("parsing")
        EMBEDDING = "embedding", _("embedding")
        INDEXED = "indexed", _("indexed")
        FAILED = "failed", _("failed")

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(_("file"), upload_to="originals/%Y/%m/")
    original_name = models.CharField(max_length=300, blank=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size_bytes = models.BigIntegerField(default=0)
    mime_type = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    # The stage being worked on, kept after a failure so the admin sees where it stopped.
    stage = models.CharField(max_length=16, blank=True)
    progress = models.FloatField(default=0.0, help_text=_("0–100 within the whole pipeline"))
    # Why it failed: a code of retrieval.contracts.failures with its parameters, translated for the reader by
    # webapp.documents.failures; `error` is the English technical detail (which page, which library error).
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    page_count = models.IntegerField(null=True, blank=True)
    chunk_count = models.IntegerField(default=0)
    extracted_text = models.TextField(blank=True)
    # Incremented by every (re)ingest; index points carry it so a half-written version is never mixed in.
    version = models.IntegerField(default=0)
    # Incremented by every request to (re)ingest (upload, re-ingest, replace): an attempt that started on an
    # older revision publishes what it made but leaves the document queued for the newer one.
    revision = models.IntegerField(default=1)
    # Which ingest attempt holds the document, until when (renewed while it runs or waits its turn in a
    # worker). An expired lease on a queued or working document means its worker died: it is queued again.
    lease_owner = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # Attempts that began and never ended (the worker died); too many and the document fails.
    attempts = models.IntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    indexed_at = models.DateTimeField(null=True, blank=True)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class Chunk(models.Model):
    """One retrievable passage. `char_start`/`char_end` point into `Document.extracted_text`."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    # Matches Document.version once published; rows of another version are being written or removed.
    version = models.IntegerField(default=1)
    ordinal = models.IntegerField()
    text = models.TextField()
    page = models.IntegerField(null=True, blank=True)
    page_end = models.IntegerField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    heading_path = models.CharField(max_length=1000, blank=True)
    char_start = models.IntegerField(default=0)
    char_end = models.IntegerField(default=0)
    token_count = models.IntegerField(default=0)

    class Meta:
        ordering = ["document", "ordinal"]
        constraints = [
            models.UniqueConstraint(fields=["document", "version", "ordinal"], name="chunk_unique_ordinal")
        ]

    def __str__(self) -> str:
        return f"{self.document_id}#{self.ordinal}"


class IndexVersion(models.Model):
    """One Qdrant collection made by one embedding model; its states change only through `IndexVersion.objects`
    (`webapp.documents.index_versions`). Searches use the active one; a build re-embeds the chunk rows."""

    class State(models.TextChoices):
        BUILDING = "building", _("building")
        ACTIVE = "active", _("active")
        RETIRED = "retired", _("retired")
        DROPPED = "dropped", _("dropped")
        FAILED = "failed", _("failed")

    model = models.CharField(_("embedding model"), max_length=300)
    dim = models.IntegerField(default=0, help_text=_("known once the model is loaded"))
    collection = models.CharField(max_length=200, blank=True, help_text=_("the Qdrant collection (folder)"))
    state = models.CharField(max_length=12, choices=State.choices, default=State.BUILDING, db_index=True)
    chunks_done = models.IntegerField(default=0)
    chunks_total = models.IntegerField(default=0)
    # The last chunk row embedded (rows go in primary-key order): where an attempt after a crash continues.
    cursor = models.BigIntegerField(default=0)
    lease_owner = models.CharField(max_length=120, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    error_detail = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = IndexVersionQuerySet.as_manager()

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("index version")
        verbose_name_plural = _("index versions")
        constraints = [
            models.UniqueConstraint(fields=["state"], condition=models.Q(state="active"), name="one_active_index")
        ]

    def __str__(self) -> str:
        return f"{self.model} ({self.state})"
