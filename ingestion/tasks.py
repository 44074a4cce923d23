"""Celery interface of ingestion: load by id, call the pipeline. Enqueue with `on_commit`."""

import threading

from celery import shared_task
from django.conf import settings

from ingestion.pipeline import TRANSIENT, ingest_document

# At most INGEST_CONCURRENCY documents at once in this process, so the rest of the threads stay free
# for answers (which live on their own queue). A busy slot re-queues the task instead of blocking a thread.
_slots = threading.BoundedSemaphore(settings.INGEST_CONCURRENCY)
BUSY_RETRY_S = 2


@shared_task(bind=True, acks_late=True, max_retries=5)
def ingest(self, document_id: int) -> None:
    if not _slots.acquire(blocking=False):
        self.apply_async((document_id,), countdown=BUSY_RETRY_S)
        return
    try:
        ingest_document(document_id)
    except TRANSIENT as exc:
        raise self.retry(exc=exc, countdown=2 ** (self.request.retries + 1)) from exc
    finally:
        _slots.release()


@shared_task(acks_late=True)
def purge_document(document_id: int) -> None:
    """Remove a deleted document's vectors; the index is derived, so this only tidies it."""
    from retrieval.components import get_index

    get_index().delete_document(document_id)
