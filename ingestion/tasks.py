"""Celery interface of ingestion: load by id, call the pipeline. Enqueue with `on_commit`.

Scheduling inside the one worker process: at most INGEST_CONCURRENCY documents are ingested at once, so
the other pool threads stay free for answers. A task that finds every ingest slot taken claims its
document and leaves it on this process's waiting list (up to MAX_WAITING), and returns; the thread
holding a slot takes the next waiting document as soon as it finishes, so there is no gap between
documents and no thread blocked waiting. Past MAX_WAITING the task comes back later (growing delay),
which also leaves the rest to other workers when there are several.

Delivery is at least once (acks_late: a task whose worker died is delivered again after the broker's
visibility timeout). Leases (ingestion/lease.py) make a second delivery harmless, and every worker sweeps
for documents a dead worker left mid-stage or waiting, and queues them again: recovery takes about a
lease, not a visibility timeout.
"""

import logging
import sys
import threading
from collections import deque

from celery import shared_task
from celery.signals import worker_ready, worker_shutting_down
from django.conf import settings
from django.db import connection

from ingestion import lease
from ingestion.pipeline import SUPERSEDED, TRANSIENT, ingest_document, ingest_gave_up

log = logging.getLogger(__name__)
MAX_WAITING = 64
BUSY_RETRY_S, BUSY_RETRY_MAX_S = 2, 30
MAX_RETRIES = 5  # of transient faults, with exponential back-off
RETRY_MAX_S = 16  # under lease.LEASE_S, so a retry comes before the sweep would re-queue the document
SWEEP_EVERY_S = 10

_lock = threading.Lock()
_running = 0
_waiting: deque[lease.Lease] = deque()
_stopping = threading.Event()
_handing_back = False  # set by the shutdown signal handler; a plain flag: no lock may be taken there


@shared_task(acks_late=True)
def ingest(document_id: int, retries: int = 0, bounces: int = 0, resume: str = "") -> None:
    try:
        held = lease.claim(document_id, resume=resume)
    except TRANSIENT as exc:
        _retry_later(document_id, retries, exc, resume)
        return
    if held is None:
        return  # gone, ended, or another attempt holds it
    turn = _slot_or_waiting_list(held)
    if turn == BUSY:
        lease.release(held)
        countdown = min(BUSY_RETRY_MAX_S, BUSY_RETRY_S * 2 ** min(bounces, 4))
        ingest.apply_async((document_id,), {"retries": retries, "bounces": bounces + 1}, countdown=countdown)
    if turn != RUN:
        return
    try:
        while held is not None:
            _ingest_one(held, retries if held.document_id == document_id else 0)
            held = _next_or_free_slot()
    except BaseException:  # never leave the slot taken: this worker would ingest nothing more
        _free_slot()
        raise


RUN, WAITING, BUSY = "run", "waiting", "busy"


def _slot_or_waiting_list(held: lease.Lease) -> str:
    """RUN: a slot is ours. WAITING: on the waiting list, a slot holder will take it. BUSY: both are full."""
    global _running
    with _lock:
        if _running < settings.INGEST_CONCURRENCY:
            _running += 1
            return RUN
        if len(_waiting) < MAX_WAITING:
            _waiting.append(held)
            return WAITING
        return BUSY


def _next_or_free_slot() -> lease.Lease | None:
    with _lock:
        if _waiting and not _stopping.is_set():
            return _waiting.popleft()
    _free_slot()
    return None


def _free_slot() -> None:
    global _running
    with _lock:
        _running -= 1


@worker_shutting_down.connect
def _hand_back_waiting(**_):
    """A warm shutdown finishes the documents being ingested; those still waiting go back to the broker.

    Celery calls this inside its signal handler, in the main thread, and a second signal (Ctrl-C then make run's
    TERM) runs it again on top of the first call: taking a lock here would wait for ever on the one that interrupted
    call holds (seen: a stopped worker that never ended). So it only marks the stop, once, and a thread does the rest.
    """
    global _handing_back
    if _handing_back:
        return
    _handing_back = True
    threading.Thread(target=_give_back_waiting, name="ingest-hand-back").start()  # not a daemon: it ends before exit


def _give_back_waiting() -> None:
    _stopping.set()
    with _lock:
        waiting = list(_waiting)
        _waiting.clear()
    for held in waiting:
        lease.release(held)
        ingest.delay(held.document_id)


def _ingest_one(held: lease.Lease, retries: int) -> None:
    """Ingest one claimed document; never raises (an error here must not stop the documents waiting after it)."""
    document_id = held.document_id
    try:
        try:
            outcome = ingest_document(document_id, held)
        except TRANSIENT as exc:  # the attempt kept its lease a while (lease.Lease.__exit__): the retry resumes it
            _retry_later(document_id, retries, exc, held.token)
            return
        if outcome == SUPERSEDED:
            ingest.delay(document_id)
    except Exception:  # e.g. the broker is away: the lease runs out and a sweep queues the document again
        log.exception("ingest of document %s could not be finished or followed up", document_id)
    finally:
        _after_task()  # the next document may come from the waiting list, in this same task


def _after_task() -> None:
    """What Celery does with the database connection after a task (celery.fixups.django): close it, unless the
    worker keeps it (CELERY_DB_REUSE_MAX, with SQLite) and no error met it."""
    if not getattr(settings, "CELERY_DB_REUSE_MAX", None) or connection.errors_occurred:
        connection.close()


def _retry_later(document_id: int, retries: int, exc: Exception, resume: str) -> None:
    """Transient faults only, with back-off; after MAX_RETRIES the document fails, naming the fault."""
    if retries >= MAX_RETRIES:
        ingest_gave_up(document_id, exc, attempts=retries + 1)
        return
    log.warning("ingest of document %s hit %r: retrying", document_id, exc)
    countdown = min(RETRY_MAX_S, 2 ** (retries + 1))
    ingest.apply_async((document_id,), {"retries": retries + 1, "resume": resume}, countdown=countdown)


@shared_task(acks_late=True)
def purge_document(document_id: int) -> None:
    """Remove a deleted document's vectors from every live index version; the index is derived, so this only
    tidies it."""
    from ingestion.indexing import unindex_document

    unindex_document(document_id)


@shared_task
def index_count(request_id: str, document_ids: list[int]) -> None:
    """Reply (retrieval.contracts.events) with the index's points per document and in all, for consistency checks (the
    index lives in the worker), and the thread count torch uses in this pool thread (None if the embedder does
    not use torch), for benchmarks."""
    from retrieval.components import get_index
    from retrieval.contracts import events

    index = get_index()
    counts = {str(pk): index.count(document_id=pk) for pk in document_ids}
    torch = sys.modules.get("torch")
    events.send_reply(request_id, {"documents": counts, "total": index.count(),
                                   "torch_threads": torch.get_num_threads() if torch else None,
                                   "switch_interval_s": sys.getswitchinterval()})


def requeue_stale_documents() -> list[int]:
    """Queue again the documents a dead worker left mid-stage or waiting; returns their ids."""
    document_ids = lease.requeue_stale()
    for document_id in document_ids:
        log.warning("document %s was left by a worker that stopped: queued again", document_id)
        ingest.delay(document_id)
    return document_ids


def _sweep_forever() -> None:
    while True:
        try:
            requeue_stale_documents()
        except Exception as exc:  # database or Redis away: try again next round
            log.warning("sweep for stale ingests failed: %s", exc)
        finally:
            connection.close()
        threading.Event().wait(SWEEP_EVERY_S)


@worker_ready.connect
def _start_sweeping(**_):
    threading.Thread(target=_sweep_forever, name="ingest-sweep", daemon=True).start()


@shared_task(acks_late=True)
def index_version_build(version_id: int) -> None:
    """Build a new index version for a new embedding model (ingestion.rebuild); routed to the ingest queue.
    acks_late and resumable: a build whose worker died is continued from its last batch."""
    from ingestion.rebuild import version_build

    version_build(version_id)


from ingestion import sync  # noqa: E402,F401  (registers sync_source and starts the sources' scheduler)
