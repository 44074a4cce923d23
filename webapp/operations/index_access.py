"""Read or write the index's points from a command, wherever the index lives.

A Qdrant server (QDRANT_URL) is opened here like anywhere else. An embedded index can be open in one process only
(retrieval/index/edge.py): when the app is stopped the command opens it itself; while a worker holds it, the
command asks that worker (task `index_points` on the `answer` queue) and waits for its reply. The files are
exchanged through the disk, which is shared since an embedded index lives on the worker's machine anyway.

The actions never call the embedding model's `encode`: the vectors travel in the files (webapp/operations/points.py).
"""

import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings

from retrieval import throttle
from retrieval.contracts import events
from webapp.operations import points as files

WAIT_S = 3600
ERR_NO_WORKER = ("no worker answered within {s} s, and the embedded index is held by another process: start the "
                 "worker (it does this work), or stop every worker and run this command again to open the index here")
ERR_WORKER = "the worker could not do it: {error}"


def index_export(index, described: dict, *, folder: str, documents: dict[str, int]) -> dict:
    """Write the points of `documents` ({document id: live version}) whose version is that one."""
    wanted = {int(d): v for d, v in documents.items()}
    found = index.scroll(document_ids=list(wanted)) if wanted else iter(())
    written = files.points_write(Path(folder), found, keep=lambda p: wanted.get(p.document_id) == p.version)
    return described | {"per_document": {str(d): n for d, n in written.items()}}


def index_import(index, described: dict, *, folder: str, remap: dict | None = None) -> dict:
    """Upsert the points of `folder`; `remap` ({"collection": id, "documents": {old: new}, "chunks": {old: new}})
    gives them the ids of rows imported under new numbers."""
    count = 0
    for page in files.pages(files.points_read(Path(folder), dim=described["dim"])):
        # In the worker, answers run beside this: a restore or an import of a big collection steps aside between
        # pages while one is written, as ingestion does (bench/retrieval.py measures answers during a 1M load).
        throttle.wait_while_answering()
        if remap:  # a point whose chunk the export did not carry (it was being re-indexed) is left out
            page = [_remapped(p, remap) for p in page if str(p.chunk_id) in remap["chunks"]]
        index.upsert(page)
        count += len(page)
    return described | {"points": count}


def index_count(index, described: dict) -> dict:
    return described | {"points": index.count()}


ACTIONS: dict[str, Callable[..., dict]] = {"export": index_export, "import": index_import, "count": index_count}


def run(action: str, *, dim: int | None = None, **arguments) -> dict:
    """Run an action on the index here if this process may open it, else in the worker holding it.

    The index is the active index version's. With `dim` (known from a manifest) it is opened without loading the
    embedding model at all: the active version's when it has that dimension, else (an empty install, before any
    worker adopted a version) EMBEDDING_MODEL's at that dimension, which the first worker then adopts.
    """
    try:
        index, described, close = _open(dim)
    except RuntimeError as error:
        if settings.QDRANT_URL or "open in another" not in str(error):
            raise
        return _in_worker(action, arguments)
    try:
        return ACTIONS[action](index, described, **arguments)
    finally:
        close()


def _open(dim: int | None):
    from retrieval import components
    from retrieval.index import collection_name, open_index

    if dim is None:
        version = components.active_version()
        index = components.index_of(version)
        return index, index_facts(index, version.model, version.dim), components.close_all
    active = _active_version()
    if active is not None and active.dim == dim:
        model, name = active.model, active.collection
    else:
        model, name = settings.EMBEDDING_MODEL, collection_name(settings.EMBEDDING_MODEL, dim)
    index = open_index(name=name, dim=dim, url=settings.QDRANT_URL, api_key=settings.QDRANT_API_KEY,
                       path=settings.INDEX_PATH)
    return index, index_facts(index, model, dim), index.close


def _active_version():
    """The active index version, or None in an install without one (or without tables yet: before a restore)."""
    from django.db import DatabaseError

    from webapp.documents.models import IndexVersion

    try:
        return IndexVersion.objects.active()
    except DatabaseError:
        return None


def _in_worker(action: str, arguments: dict) -> dict:
    from webapp import celery_app

    request_id = uuid.uuid4().hex
    celery_app.send_task("webapp.operations.tasks.index_points", args=[request_id, action, arguments], queue="answer")
    reply = events.wait_reply(request_id, WAIT_S)
    if reply is None:
        raise RuntimeError(ERR_NO_WORKER.format(s=WAIT_S))
    if "error" in reply:
        raise RuntimeError(ERR_WORKER.format(error=reply["error"]))
    return reply


def index_facts(index, model: str, dim: int) -> dict:
    """What the actions return about the index they used (the manifest records it)."""
    return {"model": model, "dim": dim, "index": index.name}


def _remapped(p, remap: dict):
    from dataclasses import replace

    from ingestion.indexing import point_id

    document_id = int(remap["documents"][str(p.document_id)])
    return replace(p, id=point_id(document_id, p.version, p.ordinal), document_id=document_id,
                   collection_id=int(remap["collection"]), chunk_id=int(remap["chunks"][str(p.chunk_id)]))
