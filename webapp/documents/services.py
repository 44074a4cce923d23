"""Uploading, re-ingesting and deleting documents. The worker does the heavy part, after commit."""

import hashlib
import logging
import tempfile
from pathlib import Path

import redis
from django.conf import settings
from django.core.files.base import File
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from kombu.exceptions import OperationalError

from ingestion.titles import title_from_file_name
from retrieval.contracts import events
from webapp import celery_app, errors
from webapp.access import decide
from webapp.audit.signals import document_replaced
from webapp.documents.disk import save_original
from webapp.documents.models import Collection, Document
from webapp.errors import AppError

log = logging.getLogger(__name__)
# What sending a task raises when Redis is away (kombu wraps the connection error; redis-py's own may escape).
BROKER_ERRORS = (OperationalError, redis.RedisError, OSError)
# what a new version changes and a refused one puts back (the file is its stored name)
CURRENT_VERSION = ("original_name", "sha256", "size_bytes", "mime_type", "status", "stage", "progress", "error",
                   "revision")


def file_type_check(file: File) -> None:
    """415 before anything is stored when the content is a format no parser reads: an upload would fail later,
    and a new version would replace a good one. Detected from the first bytes, not from the name."""
    from ingestion.detect import detect_type
    from ingestion.parsers import PARSERS, supported_types

    if file.size == 0:
        return  # the service answers with its own clearer error
    with tempfile.NamedTemporaryFile(suffix=Path(file.name or "").suffix) as tmp:
        tmp.write(file.read(64 * 1024))
        tmp.flush()
        file.seek(0)
        kind = detect_type(Path(tmp.name))
    if kind == "garbled":  # noise: refused now, rather than stored and failed by the worker
        from ingestion.parsers.unreadable import garbled_message

        raise AppError("unsupported_media_type", garbled_message(file.name or ""), status=415,
                       details={"kind": kind})
    if kind not in PARSERS:
        message = errors.FILE_TYPE_UNSUPPORTED.format(kind=kind, supported=", ".join(supported_types()))
        raise AppError("unsupported_media_type", message, status=415, details={"kind": kind})

# Kept for callers of the old name; the rule is `webapp.access.decide.upload_check`.
check_may_upload = decide.upload_check


def collection_for_upload(*, user, name_or_id: str) -> Collection:
    """The named collection if the user may upload to it; someone who may create collections (staff) naming a new
    one creates it, readable by their groups and managed by them (`collections.collection_create`).

    Raises 403 for a user who may upload nowhere (before any look-up: whether the name exists is not revealed, and
    nothing is created), 403 for a collection they only read, 404 for a name or id they may not read (or that does
    not exist, when they may not create it)."""
    from webapp.documents.collections import collection_create

    decide.upload_check(user)
    name_or_id = _storable(name_or_id)
    if not name_or_id:
        raise AppError("invalid_request", "collection is required (a name or an id).", details={"field": "collection"})
    found = decide.collection_named(user, name_or_id, decide.WRITE)
    if found:
        return found
    if (name_or_id.isdigit() or not decide.may_create_collections(user)
            or Collection.objects.filter(name=name_or_id).exists()):
        raise AppError("not_found", errors.COLLECTION_NOT_FOUND.format(name=name_or_id), status=404)
    return collection_create(user=user, name=name_or_id)


def _sha256(file: File) -> str:
    digest = hashlib.sha256()
    for block in file.chunks():
        digest.update(block)
    file.seek(0)
    return digest.hexdigest()


def _storable(text: str, limit: int = 300) -> str:
    """Text a client sent, as the database can store it: without NUL characters (PostgreSQL refuses them) and
    within the column's length (PostgreSQL refuses longer text; SQLite kept it). Both were 500s the API fuzzing found
    on PostgreSQL."""
    return (text or "").replace("\x00", "").strip()[:limit]


def _check_file(file: File) -> None:
    """The checks every way in (API, documents page, admin, `manage.py ingest`, synced sources) passes through
    `document_store` / `document_store_version`: not empty, not too large, a format a parser reads."""
    if file.size == 0:
        raise AppError("empty_file", errors.FILE_EMPTY, details={"field": "file"})
    if file.size > settings.MAX_UPLOAD_MB * 1024 * 1024:
        raise AppError("file_too_large", errors.FILE_TOO_LARGE.format(size_mb=file.size / 2**20, limit=settings.MAX_UPLOAD_MB),
                       status=413, details={"max_mb": settings.MAX_UPLOAD_MB})
    file_type_check(file)


def document_upload(*, user, file: File, collection: Collection, title: str = "") -> tuple[Document, bool]:
    """Store the original and queue its ingestion. Returns (document, created); the same content
    already in the collection is recognised by hash and returned instead of being indexed twice.
    Raises 404/403 unless the user is an editor of `collection` (`webapp.access.decide`)."""
    decide.check(user, collection.pk, decide.WRITE)
    return document_store(file=file, collection=collection, title=title, uploaded_by=user)


def document_store(*, file: File, collection: Collection, title: str = "", uploaded_by=None) -> tuple[Document, bool]:
    """`document_upload` without the user check, for callers that decided already (a synced source)."""
    _check_file(file)
    digest = _sha256(file)
    existing = Document.objects.filter(collection=collection, sha256=digest).first()
    if existing:
        return existing, False
    check_broker()
    name = _storable(Path(file.name or "upload").name)
    with transaction.atomic():
        document = Document(
            collection=collection, title=_storable(title) or title_from_file_name(name),
            original_name=name, sha256=digest, size_bytes=file.size,
            mime_type=_storable(getattr(file, "content_type", "") or "", 120), uploaded_by=uploaded_by,
        )
        save_original(document.file, name, file)
        document.save()
        transaction.on_commit(lambda: _enqueue_or_withdraw(document))
    return document, True


def check_broker() -> None:
    """503 before anything is stored when Redis is away: a document whose ingest was never queued would stay
    `queued` for ever (a re-upload would only find it again)."""
    try:
        events.client().ping()
    except redis.RedisError:
        raise AppError("redis_unavailable", errors.REDIS_DOWN, status=503) from None


def _enqueue_or_withdraw(document: Document) -> None:
    """After commit: queue the ingest; if the broker went away since `check_broker`, take the upload back (row and
    file) and answer 503, so no row waits for a task that was never sent."""
    try:
        enqueue_ingest(document.pk)
    except BROKER_ERRORS:
        log.warning("upload of document %s withdrawn: the broker is unreachable", document.pk)
        Document.objects.filter(pk=document.pk).delete()
        raise AppError("redis_unavailable", errors.REDIS_DOWN, status=503) from None


def enqueue_ingest(document_id: int) -> None:
    celery_app.send_task("ingestion.tasks.ingest", args=[document_id])


def document_reingest(*, document: Document) -> None:
    """Queue a fresh ingest (retry after a failure, or a rebuild); the live version stays until replaced.

    If an ingest of this document is running, it finishes and publishes, then the newer request runs.
    """
    Document.objects.requeue(document.pk)
    transaction.on_commit(lambda: enqueue_ingest(document.pk))


def document_move(*, document: Document, collection: Collection) -> None:
    """Move the document to `collection`: from now on its readers are the new collection's.

    The database changes at once, and search checks it (`retrieval.search.join_passages`), so readers of the old
    collection stop finding the document now. Its index points still carry the old collection, so it is
    re-ingested; readers of the new collection find it in search once that is done (they may open it at once).
    """
    if collection.pk == document.collection_id:
        return
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(collection=collection)
        document_reingest(document=document)
    document.refresh_from_db()


def document_replace(*, user, document: Document, file: File) -> Document:
    """Store a new version of the document's file and queue its ingest.

    Readers keep the current chunks until the new ones are all written, then switch in one transaction.
    Raises AppError when the file is empty or too large, or when another document of the collection
    already has this content, or the user is not an editor of its collection, or Redis is away (503: the current
    version stays as it was, file included). The same content as the current file changes nothing.
    """
    decide.check(user, document.collection_id, decide.WRITE)
    return document_store_version(document=document, file=file)


def document_store_version(*, document: Document, file: File) -> Document:
    """`document_replace` without the user check, for callers that decided already (a synced source)."""
    _check_file(file)
    digest = _sha256(file)
    if digest == document.sha256:
        return document
    twin = Document.objects.filter(collection=document.collection_id, sha256=digest).exclude(pk=document.pk).first()
    if twin:
        raise AppError("duplicate", errors.DOCUMENT_DUPLICATE.format(title=twin.title), status=409,
                       details={"document_id": twin.pk})
    check_broker()
    current = {field: getattr(document, field) for field in CURRENT_VERSION}
    current["file"] = document.file.name
    name = _storable(Path(file.name or document.original_name or "upload").name)
    with transaction.atomic():
        save_original(document.file, name, file)
        Document.objects.requeue(
            document.pk, file=document.file.name, original_name=name, sha256=digest, size_bytes=file.size,
            mime_type=_storable(getattr(file, "content_type", "") or "", 120),
        )
        new = {"file": document.file.name, "sha256": digest, "revision": current["revision"] + 1}
        # Read back before the commit sends the task: a worker may have moved it past `queued` a moment later.
        document.refresh_from_db()
        transaction.on_commit(lambda: _enqueue_or_restore(document, current=current, new=new))
    # After the ingest was sent; by whoever is acting (a request's user; none for a folder sync).
    document_replaced(document=document, previous_sha256=current["sha256"])
    return document


def _enqueue_or_restore(document: Document, *, current: dict, new: dict) -> None:
    """After commit: queue the new version's ingest, then delete the old file. If the broker went away since
    `check_broker`, put the current version back (unless something changed the row since) and delete the new file
    instead, and answer 503: a version whose ingest was never sent would stay `queued` for ever."""
    storage = document.file.storage
    try:
        enqueue_ingest(document.pk)
    except BROKER_ERRORS:
        log.warning("new version of document %s withdrawn: the broker is unreachable", document.pk)
        Document.objects.filter(pk=document.pk, **new).update(**current)
        storage.delete(new["file"])
        raise AppError("redis_unavailable", errors.REDIS_DOWN, status=503) from None
    if current["file"]:
        storage.delete(current["file"])


def document_delete(*, user, document: Document) -> None:
    """Delete row, chunks and stored file now; the worker removes the vectors (search ignores them meanwhile).
    Raises 404/403 unless `user` is an editor of the document's collection (`webapp.access.decide`).

    The file and the vectors go in `document_deleted`, which runs for every deleted document, one deleted with
    its collection (the admin, or any `Collection.delete()`) included."""
    decide.check(user, document.collection_id, decide.DELETE, decide.DOCUMENT_NOT_FOUND)
    document_remove(document=document)


def document_remove(*, document: Document) -> None:
    """`document_delete` without the user check, for callers that decided already (a synced source whose file
    or page is gone)."""
    document.delete()


@receiver(post_delete, sender=Document, dispatch_uid="documents.document_deleted")
def document_deleted(sender, instance: Document, **kwargs) -> None:
    """After the deletion commits: remove the stored original and ask the worker to purge the vectors.

    A receiver rather than a step of `document_delete` because Django's cascade deletes a collection's
    documents without calling any service of ours."""
    document_id, storage, name = instance.pk, instance.file.storage, instance.file.name
    transaction.on_commit(lambda: _after_delete(document_id, storage, name), using=kwargs.get("using"))


def _after_delete(document_id: int, storage, name: str) -> None:
    if name:
        storage.delete(name)
    try:
        celery_app.send_task("ingestion.tasks.purge_document", args=[document_id])
    except BROKER_ERRORS:  # the deletion stands: search drops points whose chunk rows are gone
        log.warning("vectors of deleted document %s stay in the index: the broker is unreachable", document_id)


