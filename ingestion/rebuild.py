"""A new index version for a new embedding model, built in the background from the chunk rows (no re-parsing);
searches keep using the active version until one conditional UPDATE switches them (`IndexVersion.objects.activate`).

Invariants:
- one attempt at a time per build: it holds the version's lease, renewed on every batch;
- resumable: rows go in primary-key order and each batch records its last row (`cursor`); an attempt after a
  crash continues from there, and re-writing a batch is harmless (point ids are deterministic);
- nothing is missed: ingestion writes to every live version (`ingestion.indexing`), and before the switch every
  published chunk row is checked against the new collection and the missing ones are embedded (rows committed
  behind the cursor, or written by an ingest that read the live versions just before the build began);
- a model that cannot be loaded fails the build with a code; the active version is untouched;
- a retired version is dropped after RETIRED_GRACE_S, when searches that began before the switch are over.
"""

import logging
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from ingestion import progress
from ingestion.indexing import chunk_points
from retrieval import components
from retrieval.contracts import events
from retrieval.embedding import EmbeddingModelError
from retrieval.index import collection_name
from webapp.documents.models import Chunk, IndexVersion

log = logging.getLogger(__name__)
LEASE_S = 120
RETIRED_GRACE_S = 60
MODEL_UNAVAILABLE = "model_unavailable"  # error code; words for it at the edge (webapp.documents.dashboard)
BUILT, LOST, FAILED_TO_LOAD, GONE = "built", "lost", "failed", "gone"


def versions_reconcile(*, at_start: bool = False) -> int | None:
    """Bring the index versions in line with EMBEDDING_MODEL; returns the build queued now, if any.

    `at_start` (a worker starting, the only time its settings change): a build starts when the wanted model is not
    the active version's (also after a failed one: the model may have been installed since), and builds of a model
    no longer wanted are abandoned. On every sweep: a build of the wanted model whose worker died is queued again,
    and retired versions past their grace are dropped.
    """
    now = timezone.now()
    wanted = settings.EMBEDDING_MODEL
    versions_drop_retired(now=now)
    if at_start:
        active = components.active_version()
        IndexVersion.objects.abandon(keep_model=wanted if active.model != wanted else "", now=now)
        if active.model == wanted:
            return None
        version = IndexVersion.objects.begin(model=wanted)
    else:
        version = IndexVersion.objects.filter(state=IndexVersion.State.BUILDING, model=wanted).first()
        if version is None:
            return None
    if not IndexVersion.objects.reserve(version.pk, now=now, expires=now + timedelta(seconds=LEASE_S)):
        return None  # an attempt holds it, or it is queued already
    from ingestion.tasks import index_version_build

    index_version_build.delay(version.pk)
    log.info("embedding model %s is not the active index's: building index version %s", wanted, version.pk)
    return version.pk


def version_build(version_id: int) -> str:
    """Build version `version_id` from the chunk rows and switch searches to it; returns what happened."""
    token = f"{events.worker_name()}:{uuid.uuid4().hex[:8]}"
    now = timezone.now()
    if not IndexVersion.objects.claim(version_id, token, now=now, expires=_expires()):
        return GONE
    version = IndexVersion.objects.get(pk=version_id)
    try:
        embedder = components.embedder_for(version.model)
    except EmbeddingModelError as exc:
        IndexVersion.objects.fail(version_id, token, code=MODEL_UNAVAILABLE, detail=str(exc), now=timezone.now())
        return FAILED_TO_LOAD
    name = collection_name(version.model, embedder.dim, version=version.pk)
    if not IndexVersion.objects.prepare(version_id, token, dim=embedder.dim, collection=name):
        return LOST
    version.refresh_from_db()
    index = components.index_of(version)
    if not _embed_rows(version, token, index, embedder) or not _catch_up(version, token, index, embedder):
        return LOST
    if not IndexVersion.objects.activate(version_id, token, now=timezone.now()):
        return LOST
    log.info("index version %s (%s) is now the active one", version_id, version.model)
    return BUILT


def _embed_rows(version: IndexVersion, token: str, index, embedder) -> bool:
    """Every chunk row after the cursor, one model batch at a time; False when the lease was lost."""
    rows = _rows()
    cursor, done = version.cursor, version.chunks_done
    while batch := list(rows.filter(pk__gt=cursor)[:settings.EMBEDDING_BATCH_SIZE]):
        progress.yield_to_answers()  # an answer waits at most one batch, as with ingestion
        _write(batch, index, embedder)
        cursor, done = batch[-1].pk, done + len(batch)
        total = done + rows.filter(pk__gt=cursor).count()
        if not IndexVersion.objects.advance(version.pk, token, cursor=cursor, done=done, total=total,
                                            expires=_expires()):
            return False
        if settings.REINDEX_PAUSE_S:
            time.sleep(settings.REINDEX_PAUSE_S)  # leaves the cores to answers and ingestion
    return True


def _catch_up(version: IndexVersion, token: str, index, embedder) -> bool:
    """Embed the published chunk rows the collection lacks; False when the lease was lost meanwhile."""
    held = {point.chunk_id for point in index.scroll()}
    published = Chunk.objects.filter(version=F("document__version")).values_list("pk", flat=True)
    missing = [pk for pk in published.iterator() if pk not in held]
    rows = _rows()
    for start in range(0, len(missing), settings.EMBEDDING_BATCH_SIZE):
        _write(list(rows.filter(pk__in=missing[start:start + settings.EMBEDDING_BATCH_SIZE])), index, embedder)
    if missing:
        log.info("index version %s: %s chunk(s) written after the cursor passed them", version.pk, len(missing))
    return bool(IndexVersion.objects.filter(pk=version.pk, lease_owner=token, state=IndexVersion.State.BUILDING)
                .exists())


def _rows():
    """Chunk rows in primary-key order with what a point needs of their document (not its whole text)."""
    return Chunk.objects.select_related("document").only(
        "id", "version", "ordinal", "text", "heading_path", "document__id", "document__title",
        "document__collection_id").order_by("pk")


def _write(rows: list[Chunk], index, embedder) -> None:
    by_document: dict[int, list[Chunk]] = {}
    for row in rows:
        by_document.setdefault(row.document_id, []).append(row)
    for chunks in by_document.values():
        index.upsert(chunk_points(chunks[0].document, chunks, embedder))


def versions_drop_retired(*, now) -> list[int]:
    """Delete the collections of versions retired more than RETIRED_GRACE_S ago; returns their ids."""
    dropped = []
    for version in IndexVersion.objects.droppable(before=now - timedelta(seconds=RETIRED_GRACE_S)):
        if not IndexVersion.objects.dropped(version.pk):
            continue  # another worker drops it
        if version.collection and version.dim:
            components.drop_index(version)
        dropped.append(version.pk)
    return dropped


def _expires():
    return timezone.now() + timedelta(seconds=LEASE_S)
