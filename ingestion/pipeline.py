"""ingest_document() = parse → chunk → embed → index, safe to run twice.

Invariants:
- the live version of a document (`Document.version`) is only replaced once the new one is fully
  written, chunks and vectors alike, so readers never see half of each;
- a crashed attempt leaves rows and points under the pending version only; the next attempt deletes
  them first, so a redelivered task never duplicates or orphans anything;
- a permanent problem marks the document `failed` with a reason a person can act on; transient faults
  (database, Redis, index server unreachable) propagate so the task is retried.
"""

import logging
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone

from ingestion import chunking, progress
from ingestion.embedding import EmbeddingModelError
from ingestion.parsers import parse_file
from ingestion.types import ParseError
from retrieval import lexical
from retrieval.components import get_embedder, get_index
from retrieval.types import IndexPoint
from webapp.documents.models import Chunk, Document

log = logging.getLogger(__name__)
POINT_NAMESPACE = uuid.UUID("6f1c1f0e-7b53-4d0e-9a39-acf0e2a91e11")
TRANSIENT = (DatabaseError, ConnectionError, TimeoutError)


class IngestTimeout(Exception):
    pass


def point_id(document_id: int, version: int, ordinal: int) -> str:
    return str(uuid.uuid5(POINT_NAMESPACE, f"{document_id}:{version}:{ordinal}"))


def ingest_document(document_id: int) -> None:
    """Bring one document to `indexed` or `failed`. Returns quietly if the row is gone or already done."""
    document = Document.objects.filter(pk=document_id).first()
    if document is None or document.status == Document.Status.INDEXED:
        return
    deadline = time.monotonic() + settings.INGEST_TIME_LIMIT_S
    version = document.version + 1
    try:
        _discard_version(document, version)
        _run(document, version, deadline)
    except ParseError as exc:
        progress.fail(document, exc.message)
    except EmbeddingModelError as exc:
        progress.fail(document, f"the embedding model could not be loaded: {exc}. Check EMBEDDING_MODEL.")
    except IngestTimeout:
        progress.fail(document, f"took longer than INGEST_TIME_LIMIT_S ({settings.INGEST_TIME_LIMIT_S} s): "
                                "split the file or raise the limit")
    except TRANSIENT:
        raise
    except Exception as exc:  # a bug or a parser crash: the document fails, the worker lives on
        log.exception("ingest of document %s failed", document_id)
        progress.fail(document, f"internal error while {document.stage or 'starting'}: {type(exc).__name__}: {exc}")


def _run(document: Document, version: int, deadline: float) -> None:
    embedder = get_embedder()
    progress.stage(document, Document.Status.PARSING, 0)
    parsed = parse_file(Path(document.file.path))
    blocks = list(progress.track_pages(document, parsed))
    text, placed = chunking.extract_text(blocks)
    if not text.strip():
        raise ParseError("empty", "no text found: the file has no readable text" + _warned(parsed.warnings))
    _check(deadline)
    progress.stage(document, Document.Status.CHUNKING, progress.PARSE_END)
    max_tokens = min(settings.CHUNK_TOKENS, embedder.max_tokens)
    drafts = chunking.chunk_blocks(
        placed, count_tokens=embedder.count_tokens, max_tokens=max_tokens, overlap_tokens=settings.CHUNK_OVERLAP_TOKENS
    )
    rows = [_chunk_row(document, version, d) for d in drafts]
    Chunk.objects.bulk_create(rows, batch_size=500)
    Document.objects.filter(pk=document.pk).update(
        extracted_text=text, page_count=parsed.page_count, warnings=parsed.warnings
    )
    _check(deadline)
    _embed_and_index(document, version, deadline)
    _publish(document, version, len(rows))


def _chunk_row(document: Document, version: int, draft) -> Chunk:
    return Chunk(
        document=document,
        version=version,
        ordinal=draft.ordinal,
        text=draft.text,
        page=draft.page,
        page_end=draft.page_end,
        location=draft.location,
        heading_path=" › ".join(draft.heading_path),
        char_start=draft.char_start,
        char_end=draft.char_end,
        token_count=draft.token_count,
    )


def _embed_and_index(document: Document, version: int, deadline: float) -> None:
    """Embed the pending chunks in batches; memory holds one batch of vectors at a time."""
    embedder, index = get_embedder(), get_index()
    progress.stage(document, Document.Status.EMBEDDING, progress.CHUNK_END)
    chunks = Chunk.objects.filter(document=document, version=version).order_by("ordinal")
    total = chunks.count()
    done = 0
    # Small batches: an answer waits at most one batch (~0.7 s on 2 cores) before ingestion pauses for it.
    step = settings.EMBEDDING_BATCH_SIZE
    for start in range(0, total, step):
        progress.yield_to_answers()
        batch = list(chunks[start : start + step])
        vectors = embedder.encode([embedding_text(document.title, c) for c in batch])
        index.upsert([_point(document, c, v) for c, v in zip(batch, vectors, strict=True)])
        done += len(batch)
        progress.embedded(document, done, total)
        _check(deadline)


def embedding_text(title: str, chunk: Chunk) -> str:
    """What the model sees: the passage with its title and section, which often carry the query's words."""
    context = " › ".join(part for part in (title, chunk.heading_path) if part)
    return f"{context}\n{chunk.text}" if context else chunk.text


def _point(document: Document, chunk: Chunk, vector) -> IndexPoint:
    return IndexPoint(
        id=point_id(document.pk, chunk.version, chunk.ordinal),
        dense=vector.tolist(),
        sparse=lexical.document_vector(embedding_text(document.title, chunk)),
        document_id=document.pk,
        collection_id=document.collection_id,
        chunk_id=chunk.pk,
        ordinal=chunk.ordinal,
        version=chunk.version,
    )


def _publish(document: Document, version: int, chunk_count: int) -> None:
    """Switch readers to the new version in one transaction, then drop the old one everywhere."""
    with transaction.atomic():
        Document.objects.filter(pk=document.pk).update(
            version=version,
            status=Document.Status.INDEXED,
            stage="",
            progress=100.0,
            error="",
            chunk_count=chunk_count,
            indexed_at=timezone.now(),
        )
        Chunk.objects.filter(document=document).exclude(version=version).delete()
    get_index().delete_document_versions(document.pk, keep=version)


def _discard_version(document: Document, version: int) -> None:
    """Remove what a crashed attempt at `version` left behind."""
    Chunk.objects.filter(document=document, version=version).delete()
    get_index().delete_document_versions(document.pk, keep=document.version)


def _check(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise IngestTimeout()


def _warned(warnings: list[str]) -> str:
    return f" ({'; '.join(warnings[:3])})" if warnings else ""
