"""Celery interface of the synced sources: `sync_source` runs one sync (a folder or a site), and a thread in each
worker dispatches the sources whose interval has come round (no Celery beat to run: `make run` starts only the
worker and the web server).

One sync per source at a time: the sync holds its source (`Source.objects.claim`, a conditional UPDATE renewed
while it runs); a second request while it runs ends quietly. One sync per worker process at a time, so syncs never
take more than one of the threads answers need; a task that finds this process busy comes back later.
"""

import logging
import threading

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import connection
from django.utils import timezone

from ingestion.crawl import crawl_site
from ingestion.source_documents import SyncLog
from ingestion.sync_folder import sync_folder
from webapp.sources.models import Source, SyncRun
from webapp.sources.rules import SourceRefused

log = logging.getLogger(__name__)
BUSY_RETRY_S = 10
_one_at_a_time = threading.Lock()


@shared_task(name="ingestion.tasks.sync_source", acks_late=True)
def sync_source(source_id: int, trigger: str = "schedule") -> None:
    if not _one_at_a_time.acquire(blocking=False):
        sync_source.apply_async((source_id, trigger), countdown=BUSY_RETRY_S)
        return
    try:
        source_sync(source_id, trigger=trigger)
    finally:
        _one_at_a_time.release()
        connection.close()


def source_sync(source_id: int, *, trigger: str = "schedule") -> SyncRun | None:
    """Run one sync of the source and return its run; None when the source is gone or another sync holds it."""
    now = timezone.now()
    if not Source.objects.claim(source_id, now):
        return None
    # a run still "running" now was left by a worker that stopped (its hold on the source ran out)
    SyncRun.objects.filter(source_id=source_id, outcome=SyncRun.Outcome.RUNNING).update(
        outcome=SyncRun.Outcome.FAILED, error_code="worker_stopped", finished_at=now)
    source = Source.objects.select_related("collection").get(pk=source_id)
    sync_log = SyncLog(source, trigger)
    try:
        (sync_folder if source.kind == Source.Kind.FOLDER else crawl_site)(source, sync_log)
    except SourceRefused as exc:
        sync_log.close(SyncRun.Outcome.FAILED, exc.code, **exc.params)
    except Exception as exc:  # a bug or a fault: the run says so, the worker lives on, the next sync tries again
        log.exception("sync of source %s failed", source_id)
        sync_log.close(SyncRun.Outcome.FAILED, "internal_error", error=f"{type(exc).__name__}: {exc}"[:500])
    else:
        sync_log.close(SyncRun.Outcome.DONE)
    finally:
        Source.objects.finish(source_id, timezone.now())
    run = sync_log.run
    log.info("sync %s of source %s (%s): %s, added %d, updated %d, renamed %d, removed %d, failed %d, unchanged %d",
             run.pk, source_id, trigger, run.outcome, run.added, run.updated, run.renamed, run.removed, run.failed,
             run.unchanged)
    return run


def sources_dispatch_due() -> list[int]:
    """Queue a sync of every source whose next sync time has come; returns their ids. Each source's next time is
    pushed on by a conditional update first, so of several workers' schedulers one queues it."""
    now = timezone.now()
    due = [pk for pk in Source.objects.due(now).values_list("pk", flat=True) if Source.objects.schedule_next(pk, now)]
    for source_id in due:
        sync_source.delay(source_id)
    return due


def _schedule_forever() -> None:
    while True:
        threading.Event().wait(settings.SYNC_CHECK_EVERY_S)
        try:
            sources_dispatch_due()
        except Exception as exc:  # database or Redis away: next round
            log.warning("looking for sources due for a sync failed: %s", exc)
        finally:
            connection.close()


@worker_ready.connect
def _start_scheduling(**_):
    threading.Thread(target=_schedule_forever, name="source-schedule", daemon=True).start()
