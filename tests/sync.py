"""Helpers of the synced-source tests: a watched folder under SYNC_ALLOWED_ROOTS, waiting for a sync's run and for
the documents it queued, and searching through the API."""

import time
import uuid
from pathlib import Path

from django.conf import settings

from tests.conftest import wait_for_document
from webapp.documents.models import Document
from webapp.sources.models import Source, SyncRun
from webapp.sources.services import source_save, source_sync_now


def watched_folder() -> Path:
    folder = Path(settings.SYNC_ALLOWED_ROOTS[0]) / uuid.uuid4().hex[:8]
    folder.mkdir()
    return folder


def finished_runs(source: Source) -> list[SyncRun]:
    return list(SyncRun.objects.filter(source=source).exclude(outcome="running").order_by("pk"))


def wait_for_run(source: Source, count: int, timeout: float = 60) -> SyncRun:
    """Until the source has `count` finished runs; returns the last, its documents ended (indexed or failed)."""
    deadline = time.monotonic() + timeout
    while len(runs := finished_runs(source)) < count:
        assert time.monotonic() < deadline, f"sync {count} of source {source.pk} did not end in {timeout} s"
        time.sleep(0.2)
    for item in source.items.exclude(document=None):
        wait_for_document(item.document_id)
    return runs[-1]


def sync_now(source: Source, timeout: float = 60) -> SyncRun:
    """Ask the worker for a sync (as the "sync now" button does) and wait for its run."""
    done = len(finished_runs(source))
    source.refresh_from_db()
    while not source_sync_now(source=source):  # the previous run still holds the source
        time.sleep(0.2)
        source.refresh_from_db()
    return wait_for_run(source, done + 1, timeout)


def new_source(user, collection, location: str, **options) -> tuple[Source, SyncRun]:
    """A source saved as the collections page saves it (its first sync queued at once), after that first sync."""
    source = source_save(user=user, collection=collection, kind=options.pop("kind", "folder"), location=location,
                         interval_minutes=options.pop("interval_minutes", 0), **options)
    return source, wait_for_run(source, 1)


def entries(run: SyncRun) -> set[tuple[str, str, str]]:
    """(action, key, code) of every entry of the run."""
    return {(e.action, e.key, e.code) for e in run.entries.all()}


def found(client, query: str) -> list[str]:
    """Titles of the passages the search API finds for `query`."""
    response = client.post("/search", json={"query": query, "k": 10, "mode": "sparse"})
    assert response.status_code == 200, response.text
    return [p["title"] for p in response.json()["passages"]]


def document_of(source: Source, key: str) -> Document:
    item = source.items.filter(key=key).first()
    assert item and item.document_id, f"no document for {key}; the syncs: {history(source)}"
    return Document.objects.get(pk=item.document_id)


def history(source: Source) -> list:
    """Every run of the source with its outcome and entries, for assertion messages."""
    return [(run.trigger, run.outcome, run.error_code, run.error_params,
             [(e.action, e.key, e.code, e.params) for e in run.entries.all()]) for run in finished_runs(source)]
