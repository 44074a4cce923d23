"""ingest_document() = parse → chunk → embed → index, safe to run twice and to be killed at any point.

Invariants:
- one attempt at a time per document: it holds the document's lease (ingestion/lease.py);
- the live version (`Document.version`) is replaced only once the new one is fully written, chunks, vectors,
  extracted text and counts alike, in one transaction, so readers never see half of each; older versions are
  dropped right after;
- a crashed attempt leaves rows and points under a version that was never published; the next attempt deletes
  them first, so a redelivered task never duplicates or orphans anything;
- memory is bounded: blocks stream from the parser through the chunker into the database in batches (the rows of
  a document that fits in one are kept for its embedding instead of being read back), and vectors exist one
  round of embedding batches at a time (a batch per lane: ingestion/lanes.py); only the extracted text is held
  whole (it is stored whole);
- a permanent problem marks the document `failed` with a reason a person can act on and removes what the
  attempt wrote; transient faults (database, index server unreachable) propagate so the task is retried.
"""

import itertools
import logging
import time
from functools import partial
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Case, Exists, F, Max, OuterRef, Value, When
from django.utils import timezone

from ingestion import chunking, lanes, lease, limits, progress
from ingestion.indexing import index_chunks, unindex_document, unindex_other_versions
from ingestion.parsers import parse_file
from ingestion.titles import title_from_file_name, usable_title
from ingestion.types import ChunkDraft, ParsedFile, ParseError
from retrieval.components import sizing_embedder
from retrieval.contracts import failures
from retrieval.contracts.failures import Failure
from retrieval.embedding import EmbeddingModelError
from webapp.documents.models import Chunk, Document
from webapp.observability import figures

log = logging.getLogger(__name__)
TRANSIENT = (DatabaseError, ConnectionError, TimeoutError)  # ConnectionError: also retrieval.index.base.IndexUnreachable
CHUNK_ROWS_PER_INSERT = 500
S = Document.Status

# What ingest_document() returns. SUPERSEDED: a newer request (re-ingest, replace) arrived while this attempt ran;
# it published what it made and left the document queued, and the caller queues it again.
INDEXED, FAILED, SUPERSEDED, SKIPPED = "indexed", "failed", "superseded", "skipped"

ERR_TIME_LIMIT = "took longer than INGEST_TIME_LIMIT_S ({limit} s): split the file or raise the limit"
ERR_CRASHED = ("the worker stopped {n} times while ingesting this file (out of memory, or a parser library crashed): "
               "split the file, or look at the worker's log")
ERR_MODEL = "the embedding model could not be loaded: {error}. Check EMBEDDING_MODEL."
ERR_MISSING = "the stored original is missing ({name}): upload the file again"
ERR_INTERNAL = "internal error while {stage}: {error}"
ERR_GAVE_UP = "not finished after {n} attempts because a service was unreachable ({error}): re-ingest it once it is back"


class IngestTimeout(limits.Interrupted):
    pass


class LeaseLost(limits.Interrupted):
    """The document was deleted, or another attempt took it over: stop without publishing."""


def ingest_document(document_id: int, held: lease.Lease | None = None) -> str:
    """Bring one document to `indexed` or `failed`; returns the outcome (one of the constants above).

    `held`: the document's lease if the caller already claimed it (else it is claimed here, and released
    either way). Returns SKIPPED quietly if the row is gone, already ended, or held by another live attempt.
    Raises only transient errors (TRANSIENT), after which the task retries.
    """
    held = held or lease.claim(document_id)
    if held is None:
        return SKIPPED
    with held, figures.batched():  # the attempt's figures go to Redis in one round trip, at its end
        document = lease.begin(held, S.PARSING, rows=_attempt_rows())
        progress.entered(document_id)
        if document is None:
            return SKIPPED
        if held.attempts > lease.MAX_ATTEMPTS:
            figures.count("ingest_failures_total", stage="start", error="worker_crashed")
            _discard_unpublished(document)  # the rows and points the crashed attempts wrote
            crashes = held.attempts - 1
            return figures.counted("ingest_documents_total", _end_failed(
                held, document, None, Failure(failures.WORKER_CRASHED, ERR_CRASHED.format(n=crashes), {"n": crashes})))
        try:
            with lanes.ingesting():
                return figures.counted("ingest_documents_total", _attempt(held, document))
        finally:
            progress.forget(document_id)


def ingest_gave_up(document_id: int, error: Exception, attempts: int) -> None:
    """After the last retry of a transient fault: fail the document with the fault, so it is not left mid-stage."""
    detail = ERR_GAVE_UP.format(n=attempts, error=f"{type(error).__name__}: {error}")
    Document.objects.give_up(document_id, Failure(failures.GAVE_UP, detail, {"n": attempts}))
    figures.count("ingest_documents_total", outcome="gave_up")


def _attempt(held: lease.Lease, document: Document) -> str:
    check = partial(_check, held, time.monotonic() + settings.INGEST_TIME_LIMIT_S)
    version = _fresh_version(document)
    try:
        with figures.timed("ingest_stage_seconds", failures="ingest_failures_total", stage="parse"):
            parsed, text, count, stored = _parse_and_chunk(document, version, check)
            titled = _adopt_title(document, parsed)
        with figures.timed("ingest_stage_seconds", failures="ingest_failures_total", stage="embed"):
            _embed_and_index(document, version, count, check, stored)
        with figures.timed("ingest_stage_seconds", failures="ingest_failures_total", stage="publish"):
            return _publish(held, document, version, count, parsed, text, titled)
    except ParseError as exc:
        failure = Failure(exc.reason, exc.message)
    except EmbeddingModelError as exc:
        failure = Failure(failures.MODEL_UNAVAILABLE, ERR_MODEL.format(error=exc))
    except IngestTimeout:
        limit = settings.INGEST_TIME_LIMIT_S
        failure = Failure(failures.TIME_LIMIT, ERR_TIME_LIMIT.format(limit=limit), {"limit": limit})
    except FileNotFoundError:
        failure = Failure(failures.ORIGINAL_MISSING, ERR_MISSING.format(name=document.file.name))
    except LeaseLost:
        _abandon(document)
        return SKIPPED
    except TRANSIENT:
        raise
    except Exception as exc:  # a bug or a parser crash: the document fails, the worker lives on
        log.exception("ingest of document %s failed", document.pk)
        stage = document.stage or "starting"
        detail = ERR_INTERNAL.format(stage=stage, error=f"{type(exc).__name__}: {exc}")
        failure = Failure(failures.INTERNAL_ERROR, detail, {"stage": stage})
    return _end_failed(held, document, version, failure)


def _parse_and_chunk(document: Document, version: int, check) -> tuple[ParsedFile, str, int, list[Chunk] | None]:
    """Parse, chunk and store chunk rows as the pages stream past; returns (parsed, extracted text, chunk count,
    the stored rows when they all went in one insert, else None: see `_embed_and_index`).

    The file is untrusted: the limits (MAX_UNZIPPED_MB, MAX_DOCUMENT_CHARS, MAX_DOCUMENT_CHUNKS) fail it with a
    ParseError naming the one it passed, and `check` also runs inside the parsers' loops (ingestion.limits)."""
    caps = limits.Limits.from_settings()
    with limits.watching(caps, check):
        return _parse_and_store(document, version, caps, check)


def _parse_and_store(
    document: Document, version: int, caps: limits.Limits, check
) -> tuple[ParsedFile, str, int, list[Chunk] | None]:
    embedder = sizing_embedder()
    parsed = parse_file(Path(document.file.path))
    text = chunking.ExtractedText(max_chars=caps.max_chars)
    drafts = chunking.chunk_blocks(
        text.place(progress.track_pages(document, parsed, check)),
        count_tokens=embedder.count_tokens,
        max_tokens=min(settings.CHUNK_TOKENS, embedder.max_tokens),
        overlap_tokens=settings.CHUNK_OVERLAP_TOKENS,
    )
    count, rows = 0, []
    while batch := list(itertools.islice(drafts, CHUNK_ROWS_PER_INSERT)):
        count += len(batch)
        if count > caps.max_chunks:
            raise ParseError("too_large", limits.TOO_MANY_CHUNKS.format(limit=caps.max_chunks))
        rows = Chunk.objects.bulk_create([_chunk_row(document, version, draft) for draft in batch])
    extracted = str(text)
    if not extracted.strip():
        raise ParseError("empty", "no text found: the file has no readable text" + parsed.warnings.details(first=3))
    # Rows are given their ids by the insert on PostgreSQL and SQLite >= 3.35 (RETURNING).
    whole = count == len(rows) and all(row.pk for row in rows)
    return parsed, extracted, count, rows if whole else None


def _adopt_title(document: Document, parsed: ParsedFile) -> dict:
    """The document's own title replaces the one made from its file name (never one a person gave at upload), before
    the passages are embedded with it; the file name stays in `original_name`, shown beside it.

    Returns the field for the statement that publishes the version (`_publish`): the title is written with the
    passages it was embedded in, and only if it is still the one made from the file name (not one a person gave
    meanwhile)."""
    own = usable_title(parsed.title, document.original_name)
    if own and document.title == title_from_file_name(document.original_name) and own != document.title:
        own = own[:Document._meta.get_field("title").max_length]
        from_name, document.title = document.title, own
        return {"title": Case(When(title=from_name, then=Value(own)), default=F("title"))}
    return {}


def _chunk_row(document: Document, version: int, draft: ChunkDraft) -> Chunk:
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


def _embed_and_index(document: Document, version: int, total: int, check, stored: list[Chunk] | None) -> None:
    """Embed and index the stored chunks a round of model batches at a time (memory holds a round of vectors), in
    every live index version (the active one, and a build under way).

    A round is one batch, and one more for each lane other ingests leave idle (`ingestion.lanes`), embedded at
    once. `stored`: all the rows, as just inserted (a document of one insert, CHUNK_ROWS_PER_INSERT rows at
    most, is not read back); else they are read back one round at a time."""
    progress.stage(document, S.EMBEDDING, progress.PARSE_END)
    rows = Chunk.objects.filter(document=document, version=version).only("id", "version", "ordinal", "text",
                                                                           "heading_path")
    # One round at a time: an answer waits at most one round (a batch's time, ~0.2-0.7 s) before ingestion pauses.
    step = settings.EMBEDDING_BATCH_SIZE
    parallel = sizing_embedder().threads_per_encode == 1  # a multi-threaded encode has the cores already
    done = 0
    while done < total:
        progress.yield_to_answers()
        left = -(-(total - done) // step) - 1  # batches after this one
        with lanes.spare(left if parallel else 0) as extra:
            end = min(total, done + step * (1 + extra))
            if stored is not None:
                chunks = stored[done:end]
            else:
                chunks = list(rows.filter(ordinal__gte=done, ordinal__lt=end).order_by("ordinal"))
            index_chunks(document, *(chunks[i:i + step] for i in range(0, len(chunks), step)))
        done = end
        progress.embedded(document, done, total)
        check()


def _publish(
    held: lease.Lease, document: Document, version: int, count: int, parsed: ParsedFile, text: str, titled: dict
) -> str:
    """Switch readers to the new version (and its title, `titled`) in one transaction, then drop the other versions
    everywhere."""
    made = dict(version=version, chunk_count=count, indexed_at=timezone.now(), extracted_text=text,
                page_count=parsed.page_count, warnings=parsed.warnings.stored(), **titled)
    outcome = INDEXED
    with transaction.atomic():
        if not Document.objects.publish(document.pk, held.token, held.revision, **made):
            if not Document.objects.hand_over(document.pk, held.token, **made):
                raise LeaseLost()
            outcome = SUPERSEDED
        held.released = True
        if document.version:  # a first ingest has no other version (its start found nothing left behind)
            Chunk.objects.filter(document=document).exclude(version=version).delete()
    if document.version:
        unindex_other_versions(document.pk, keep=version)
    return outcome


def _end_failed(held: lease.Lease, document: Document, version: int | None, failure: Failure) -> str:
    """Fail the document (its live version, if any, stays searchable) and remove what this attempt wrote."""
    if version is not None:
        _discard_unpublished(document)
    held.released = True
    if Document.objects.fail(document.pk, held.token, held.revision, failure):
        return FAILED
    if Document.objects.hand_over(document.pk, held.token):  # the newer request may work
        return SUPERSEDED
    return SKIPPED


def _attempt_rows():
    """The document as an attempt reads it when it begins: without the live version's extracted text (the attempt
    never reads it; it may be megabytes), and with whether it has any chunk rows (`_fresh_version`), in one query."""
    return Document.objects.defer("extracted_text").annotate(
        any_chunks=Exists(Chunk.objects.filter(document=OuterRef("pk")))
    )


def _fresh_version(document: Document) -> int:
    """Clear what crashed attempts left, and number this attempt's version after everything seen so far.

    A document never published and without chunk rows has nothing left behind: points are only written for
    rows that exist, and discarding removes points before rows. Whether it has rows was read when the attempt
    began (`_attempt_rows`): nothing else writes them while the attempt holds the lease.
    """
    if document.version == 0 and not document.any_chunks:
        return 1
    _discard_unpublished(document)
    latest = Chunk.objects.filter(document=document).aggregate(v=Max("version"))["v"] or 0
    return max(document.version, latest) + 1


def _discard_unpublished(document: Document) -> None:
    unindex_other_versions(document.pk, keep=document.version)
    Chunk.objects.filter(document=document).exclude(version=document.version).delete()


def _abandon(document: Document) -> None:
    """After losing the lease. If the document was deleted, its vectors go; if another attempt took over, that
    attempt discards everything unpublished when it starts and when it publishes, so this one touches nothing."""
    if not Document.objects.filter(pk=document.pk).exists():
        unindex_document(document.pk)


def _check(held: lease.Lease, deadline: float) -> None:
    if held.lost.is_set():
        raise LeaseLost()
    if time.monotonic() > deadline:
        raise IngestTimeout()
