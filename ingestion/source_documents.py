"""What a sync does to one file or page, through the same services as an upload (`document_store`: the type
check, the size limit, dedup by sha256) and a new version (`document_store_version`: the same document, a new
revision, its history kept), so the pipeline's guarantees hold for synced documents too:

- the sync stores a *snapshot* (a copy taken while hashing it), so the stored original always matches its
  sha256; a file that changes after the copy differs from it at the next sync and becomes a new version;
- a new version queued while an older one is being ingested supersedes it (`Document.revision`): the older
  attempt publishes nothing half-made and the document is ingested again, from the newest snapshot.

`SyncLog` writes the run's entries as codes with parameters; `webapp.sources.wording` words them.
"""

import hashlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.files import File
from django.db import OperationalError
from django.utils import timezone

from webapp.documents.models import Document
from webapp.documents.services import document_remove, document_store, document_store_version
from webapp.errors import AppError
from webapp.sources.models import Source, SourceItem, SyncEntry, SyncRun

log = logging.getLogger(__name__)
A = SyncEntry.Action
RENEW_EVERY_S = 30
KEEP_RUNS = 20


@dataclass(frozen=True)
class Snapshot:
    """A copy of one file or page, ready to be stored; `sha256` is of exactly these bytes."""

    key: str  # relative path or URL
    path: Path
    name: str  # the stored original's file name
    sha256: str
    size: int
    mtime_ns: int | None = None
    etag: str = ""
    last_modified: str = ""
    title: str = ""


def copy_hashing(source, target: Path) -> tuple[str, int]:
    """Copy an open binary stream to `target`, hashing the bytes written; returns (sha256, size)."""
    digest, size = hashlib.sha256(), 0
    with target.open("wb") as out:
        while block := source.read(1024 * 1024):
            digest.update(block)
            out.write(block)
            size += len(block)
    return digest.hexdigest(), size


class SyncLog:
    """The running sync's record: counts on the run, one entry per file or page that changed or failed."""

    def __init__(self, source: Source, trigger: str):
        self.source = source
        self.run = SyncRun.objects.create(source=source, trigger=trigger)
        self._renewed = time.monotonic()

    def entry(self, action: str, key: str, *, document_id: int | None = None, code: str = "", **params) -> None:
        SyncEntry.objects.create(run=self.run, action=action, key=key[:1000], document_id=document_id, code=code,
                                 params=params)
        setattr(self.run, action, getattr(self.run, action) + 1)
        self.tick()

    def unchanged(self) -> None:
        self.run.unchanged += 1
        self.tick()

    def tick(self) -> None:
        """Keep the source's hold while the sync runs (Source.objects.renew), every RENEW_EVERY_S."""
        if time.monotonic() - self._renewed > RENEW_EVERY_S:
            Source.objects.renew(self.source.pk)
            self._renewed = time.monotonic()

    def close(self, outcome: str, code: str = "", **params) -> None:
        run = self.run
        run.outcome, run.error_code, run.error_params, run.finished_at = outcome, code, params, timezone.now()
        run.save(update_fields=["outcome", "error_code", "error_params", "finished_at", "added", "updated",
                                "renamed", "removed", "failed", "unchanged"])
        old = SyncRun.objects.filter(source=self.source).values_list("pk", flat=True)[KEEP_RUNS:]
        SyncRun.objects.filter(pk__in=list(old)).delete()


def refused(sync_log: SyncLog, key: str, exc: AppError, document_id: int | None = None) -> None:
    """Log a file or page the documents services refused, with the service's code and what it said."""
    params = dict(exc.details or {})
    if exc.code == "duplicate":
        params["title"] = Document.objects.filter(pk=params.get("document_id")).values_list("title", flat=True).first()
    sync_log.entry(A.FAILED, key, document_id=document_id, code=exc.code, **params)


def add(source: Source, snap: Snapshot, sync_log: SyncLog) -> None:
    """A new file or page: a new document (or the collection's document with this content already)."""
    try:
        with snap.path.open("rb") as handle:
            file = File(handle, name=snap.name)
            document, created = document_store(file=file, collection=source.collection, title=snap.title)
    except AppError as exc:
        refused(sync_log, snap.key, exc)
        return
    _remember(source, snap, document)
    if created:
        sync_log.entry(A.ADDED, snap.key, document_id=document.pk)
    else:
        sync_log.entry(A.ADDED, snap.key, document_id=document.pk, code="same_content", title=document.title)


def update(item: SourceItem, snap: Snapshot, sync_log: SyncLog) -> None:
    """A changed file or page: a new version of its document (the live one stays searchable until replaced)."""
    document = item.document
    try:
        with snap.path.open("rb") as handle:
            file = File(handle, name=snap.name)
            stored = document_store_version(document=document, file=file)
    except AppError as exc:
        refused(sync_log, snap.key, exc, document.pk)
        return
    _remember(item.source, snap, stored)
    if stored.sha256 == item.sha256:  # touched, not changed
        sync_log.unchanged()
    else:
        sync_log.entry(A.UPDATED, snap.key, document_id=document.pk)


def rename(item: SourceItem, snap: Snapshot, sync_log: SyncLog) -> None:
    """The content of a vanished file reappeared under another path: the same document, its path updated."""
    old_key, document = item.key, item.document
    SourceItem.objects.filter(source=item.source, key=snap.key).exclude(pk=item.pk).delete()  # a stale record
    SourceItem.objects.filter(pk=item.pk).update(key=snap.key, **_fields(snap))
    fields = {"original_name": snap.name}
    if document.title == title_from_name(Path(old_key).name):
        fields["title"] = title_from_name(snap.name)
    Document.objects.filter(pk=document.pk).update(**fields)
    sync_log.entry(A.RENAMED, snap.key, document_id=document.pk, previous=old_key)


def remove(item: SourceItem, sync_log: SyncLog) -> None:
    """A file or page that is gone: its document leaves the collection (unless another item still has it)."""
    document_id, key = item.document_id, item.key
    try:  # the document first: if the item outlives it, the next sync finds the item and removes it
        if document_id and not SourceItem.objects.filter(document_id=document_id).exclude(pk=item.pk).exists():
            document = Document.objects.filter(pk=document_id).first()
            if document:
                document_remove(document=document)
        item.delete()
    except OperationalError as exc:  # e.g. SQLite busy past its timeout: removed at the next sync
        sync_log.entry(A.FAILED, key, document_id=document_id, code="database_busy", error=str(exc)[:200])
        return
    sync_log.entry(A.REMOVED, key, document_id=document_id)


def title_from_name(name: str) -> str:
    """The title an upload gives a file of this name (`document_store`)."""
    return Path(name).stem.replace("_", " ").strip() or name


def _remember(source: Source, snap: Snapshot, document: Document) -> None:
    """Record what the file or page became. Write-first statements, no read-then-write transaction: SQLite refuses
    to upgrade a reading transaction while the worker's ingest writes ("database is locked"). One sync per source
    at a time, so nobody else inserts this key meanwhile."""
    fields = {"document": document, **_fields(snap)}
    if not SourceItem.objects.filter(source=source, key=snap.key).update(**fields):
        SourceItem.objects.create(source=source, key=snap.key, **fields)


def _fields(snap: Snapshot) -> dict:
    return {"sha256": snap.sha256, "size_bytes": snap.size, "mtime_ns": snap.mtime_ns, "etag": snap.etag,
            "last_modified": snap.last_modified}


def snapshot_file(path: str, key: str, folder: Path) -> tuple[Snapshot | None, str]:
    """Copy a watched file into `folder` while hashing it. Returns (snapshot, "") or (None, code) when the file
    changed or vanished during the copy (it is taken at the next sync instead of half-old, half-new)."""
    target = folder / hashlib.sha1(key.encode()).hexdigest()
    try:
        before = os.stat(path)
        with open(path, "rb") as handle:
            sha256, size = copy_hashing(handle, target)
        after = os.stat(path)
    except FileNotFoundError:
        return None, "file_vanished"
    if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns) or size != after.st_size:
        return None, "file_changing"
    return Snapshot(key=key, path=target, name=Path(key).name, sha256=sha256, size=size,
                    mtime_ns=after.st_mtime_ns), ""

