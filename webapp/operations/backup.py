"""`backup_write()` and `backup_restore()`: a whole install (database, originals, index) to a folder and back.

What a backup taken while the app runs guarantees, in the order it is taken:
1. the database is one committed state (webapp/operations/database.py);
2. the originals are those of the documents in that state, copied after it; a document deleted or replaced in
   between has lost its file and is named in the manifest's `missing_originals`;
3. the index points are those of the live version, in that state, of each document; a document whose points are
   not all there (it was being re-indexed at that moment, and its old version was dropped) is named in `reingest`.
After a restore, the documents of `reingest` and those the snapshot caught mid-ingest are queued again: the worker
re-makes their vectors from the restored originals. Everything else is searchable at once, without re-embedding.
"""

import shutil
from pathlib import Path

from django.conf import settings
from django.core.management import call_command

from webapp.operations import database, index_access
from webapp.operations.manifest import manifest_verify, manifest_write, model_check

ORIGINALS, INDEX = "media", "index"  # media/ mirrors MEDIA_ROOT (originals/YYYY/MM/…)
ERR_DEST = "{dest} is not empty: give a new folder"
ERR_NOT_EMPTY = "refusing to restore over existing data: {what}. Restore into an empty install, or pass --force"
ERR_QUEUE = ("restored, but documents to re-index could not be queued ({error}): start Redis, then run "
             "`manage.py reindex` (or re-ingest the documents listed in the manifest's `reingest`)")
UNFINISHED = ("queued", "parsing", "embedding")


def backup_write(dest: Path) -> dict:
    """Write a backup of this install into the new or empty folder `dest`; returns its manifest."""
    dest = dest.resolve()
    if dest.exists() and any(dest.iterdir()):
        raise ValueError(ERR_DEST.format(dest=dest))
    dest.mkdir(parents=True, exist_ok=True)
    snap = database.snapshot(dest)
    missing = _copy_originals(snap.documents, dest / ORIGINALS)
    live = {str(i): version for i, _, version, _, _ in snap.documents if version > 0}
    exported = index_access.run("export", folder=str(dest / INDEX), documents=live)
    per_document = exported["per_document"]
    reingest = [i for i, _, version, _, chunks in snap.documents if version > 0 and per_document.get(str(i), 0) != chunks]
    return manifest_write(dest, {
        "database": {"engine": snap.engine, "file": snap.file},
        "embedding": {"model": exported["model"], "dim": exported["dim"], "index": exported["index"]},
        "counts": {"collections": snap.collections, "documents": len(snap.documents), "chunks": snap.chunks,
                   "points": sum(per_document.values()), "originals": len(snap.documents) - len(missing)},
        "reingest": reingest, "missing_originals": missing,
    })


def _copy_originals(documents, folder: Path) -> list[int]:
    """Copy each document's stored file; returns the documents whose file was gone."""
    missing = []
    for document_id, name, *_ in documents:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            shutil.copyfile(Path(settings.MEDIA_ROOT) / name, target)
        except FileNotFoundError:
            missing.append(document_id)
    return missing


def backup_restore(src: Path, *, force: bool = False, reindex: bool = False) -> dict:
    """Verify the backup in `src`, then restore it into this (empty) install; returns what was done.

    Raises ValueError before writing anything if the backup is damaged, made with another embedding model
    (unless `reindex`: every document is then queued to be embedded again), or the install is not empty
    (unless `force`).
    """
    src = src.resolve()
    manifest = manifest_verify(src)
    if not reindex:
        model_check(manifest)
    _check_empty(force=force, dim=None if reindex else manifest["embedding"]["dim"])
    database.restore(src, manifest["database"]["engine"], force=force)
    call_command("migrate", verbosity=0)  # a backup from an older version gets this version's tables
    if reindex:  # the backup's vectors stay behind: the first worker adopts EMBEDDING_MODEL's empty collection
        from webapp.documents.models import IndexVersion

        IndexVersion.objects.forget()
    shutil.copytree(src / ORIGINALS, settings.MEDIA_ROOT, dirs_exist_ok=True)
    points = 0
    if not reindex and (src / INDEX).is_dir():
        points = index_access.run("import", dim=manifest["embedding"]["dim"], folder=str(src / INDEX))["points"]
    return {"points": points, "queued": _queue_again(manifest, everything=reindex), "counts": manifest["counts"]}


def _check_empty(*, force: bool, dim: int | None) -> None:
    found = []
    if not database.is_empty():
        found.append("the database already holds Acervo's tables")
    media = Path(settings.MEDIA_ROOT)
    if media.is_dir() and any(p.is_file() for p in media.rglob("*")):
        found.append(f"{media} holds files")
    if dim and (points := index_access.run("count", dim=dim)["points"]):
        found.append(f"the index {settings.QDRANT_URL or settings.INDEX_PATH} holds {points} points")
    if found and not force:
        raise ValueError(ERR_NOT_EMPTY.format(what="; ".join(found)))


def _queue_again(manifest: dict, *, everything: bool) -> int:
    """Queue the documents whose vectors the backup lacks (or every one, to re-embed); the worker does the rest.

    Raises RuntimeError naming the way out if the broker is away: the data is restored, only the queueing is not."""
    from webapp.documents.models import Document
    from webapp.documents.services import BROKER_ERRORS, document_reingest

    documents = Document.objects.all()
    if not everything:
        documents = documents.filter(pk__in=manifest["reingest"]) | documents.filter(status__in=UNFINISHED)
    count = 0
    try:
        for document in documents.iterator():
            document_reingest(document=document)
            count += 1
    except BROKER_ERRORS as error:
        raise RuntimeError(ERR_QUEUE.format(error=error)) from error
    return count
