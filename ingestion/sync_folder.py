"""A watched folder, synced: new files added, changed ones a new version of their document, vanished ones removed,
and a vanished file's content found under a new path is a rename (the same document, its history kept).

Safety: the folder must lie under SYNC_ALLOWED_ROOTS (`webapp.sources.rules.folder_checked`, again at every sync).
Symlinked folders are not followed (no loops, no way out); a symlinked file whose target lies outside the watched
folder is skipped and logged. Hidden files (".name") and Office lock files ("~$name") are ignored.

Unchanged files (same size and modification time as at the last sync) are neither read nor hashed.
"""

import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import OperationalError

from ingestion import source_documents as docs
from webapp.sources.models import Source, SourceItem, SyncEntry
from webapp.sources.rules import folder_checked, inside

A = SyncEntry.Action


def sync_folder(source: Source, sync_log: docs.SyncLog) -> None:
    """Bring the collection's documents of this folder in line with the folder. Raises SourceRefused (nothing
    changed) when the folder is not allowed or missing."""
    root = folder_checked(source.location)
    found = scan(root, sync_log)
    items = {item.key: item for item in SourceItem.objects.filter(source=source).select_related("document")}
    vanished = {key: item for key, item in items.items() if key not in found}
    with tempfile.TemporaryDirectory(prefix="acervo-sync-") as folder:
        for key in sorted(found):
            _sync_file(source, key, found[key], items.get(key), vanished, Path(folder), sync_log)
    for item in vanished.values():
        docs.remove(item, sync_log)


def scan(root: str, sync_log: docs.SyncLog) -> dict[str, tuple[str, int, int]]:
    """{relative path: (path, size, mtime_ns)} of the regular files under `root` (already resolved)."""
    found = {}
    for folder, subfolders, names in os.walk(root, followlinks=False):
        subfolders[:] = sorted(d for d in subfolders if not _ignored(d) and not os.path.islink(os.path.join(folder, d)))
        for name in names:
            path = os.path.join(folder, name)
            key = os.path.relpath(path, root).replace(os.sep, "/")
            if _ignored(name):
                continue
            if os.path.islink(path) and not inside(os.path.realpath(path), root):
                sync_log.entry(A.FAILED, key, code="outside_folder")
                continue
            try:
                stat = os.stat(path)
            except OSError:  # a dangling link, or gone since the listing
                continue
            if os.path.isfile(path):
                found[key] = (path, stat.st_size, stat.st_mtime_ns)
    return found


def _sync_file(source: Source, key: str, stat: tuple[str, int, int], item: SourceItem | None,
               vanished: dict[str, SourceItem], folder: Path, sync_log: docs.SyncLog) -> None:
    path, size, mtime_ns = stat
    if item and item.document_id and (item.size_bytes, item.mtime_ns) == (size, mtime_ns):
        sync_log.unchanged()
        return
    if size > settings.MAX_UPLOAD_MB * 1024 * 1024:  # not worth copying: the upload limit would refuse it
        sync_log.entry(A.FAILED, key, code="file_too_large", max_mb=settings.MAX_UPLOAD_MB)
        return
    snap, problem = docs.snapshot_file(path, key, folder)
    if snap is None:
        sync_log.entry(A.FAILED, key, code=problem)
        return
    try:
        if item and item.document_id:
            docs.update(item, snap, sync_log)
            return
        moved = next((old for old in vanished.values() if old.document_id and old.sha256 == snap.sha256), None)
        if moved:
            del vanished[moved.key]
            docs.rename(moved, snap, sync_log)
        else:
            docs.add(source, snap, sync_log)
    except OperationalError as exc:  # e.g. SQLite busy past its timeout: this file waits for the next sync
        sync_log.entry(A.FAILED, key, code="database_busy", error=str(exc)[:200])
    finally:
        snap.path.unlink(missing_ok=True)


def _ignored(name: str) -> bool:
    return name.startswith(".") or name.startswith("~$")
