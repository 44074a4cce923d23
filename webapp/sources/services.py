"""Sources as staff manage them from the collections page: add a watched folder or a website to a collection,
change it, remove it, ask for a sync now, and read the sync log.

Who may: staff who may read the collection (superusers: every collection), as for the collection's own settings
(`webapp.documents.collections`). A source's documents are the collection's: its readers read them.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from webapp import celery_app, errors
from webapp.accounts.selectors import collections_readable_by
from webapp.documents.models import Collection
from webapp.documents.services import BROKER_ERRORS
from webapp.errors import AppError
from webapp.sources.models import Source, SyncRun
from webapp.sources.rules import SourceRefused, folder_checked, url_checked

NOT_STAFF = "Only staff users may manage a collection's sources."
NOT_FOUND = "Source not found."
SHOWN_RUNS = 5


def collection_for_sources(*, user, collection_id: int) -> Collection:
    """The collection, if `user` may manage its sources (403 for non-staff, 404 for a collection they cannot read)."""
    if not (user.is_staff or user.is_superuser):
        raise AppError("forbidden", NOT_STAFF, status=403)
    collection = collections_readable_by(user).filter(pk=collection_id).first()
    if collection is None:
        raise AppError("not_found", NOT_FOUND, status=404)
    return collection


def source_for(*, user, source_id: int) -> Source:
    source = Source.objects.filter(pk=source_id).first()
    if source is None:
        raise AppError("not_found", NOT_FOUND, status=404)
    collection_for_sources(user=user, collection_id=source.collection_id)
    return source


def source_save(*, user, collection: Collection, source: Source | None = None, kind: str, location: str,
                max_depth: int = 2, max_pages: int = 200, domain: str = "", interval_minutes: int = 60) -> Source:
    """Create (or change) a source; its first sync is queued at once. Raises SourceRefused for a folder outside
    SYNC_ALLOWED_ROOTS or a site on a host CRAWL_ALLOWED_HOSTS does not allow."""
    location = folder_checked(location) if kind == Source.Kind.FOLDER else url_checked(location)
    source = source or Source(collection=collection, created_by=user)
    source.kind, source.location, source.domain = kind, location, (domain or "").strip().lower()
    source.max_depth, source.max_pages, source.interval_minutes = max_depth, max_pages, interval_minutes
    # the sync queued now is the first; the schedule takes over one interval after it ends (Source.objects.finish)
    source.next_sync_at = timezone.now() + timedelta(minutes=interval_minutes) if interval_minutes else None
    with transaction.atomic():
        source.save()
        transaction.on_commit(lambda: _enqueue(source, "manual"))
    return source


def source_delete(*, source: Source) -> None:
    """Stop syncing. The documents it brought stay in the collection, as if uploaded (delete them there)."""
    source.delete()


def source_sync_now(*, source: Source) -> bool:
    """Queue a sync now; False (nothing queued) when one is running."""
    if source.running_until and source.running_until > timezone.now():
        return False
    _enqueue(source, "manual")
    return True


def _enqueue(source: Source, trigger: str) -> None:
    try:
        celery_app.send_task("ingestion.tasks.sync_source", args=[source.pk, trigger])
    except BROKER_ERRORS:
        raise AppError("redis_unavailable", errors.REDIS_DOWN, status=503) from None


@dataclass(frozen=True)
class SourceView:
    source: Source
    running: bool
    runs: list[SyncRun]


def sources_of(collection_ids: list[int]) -> dict[int, list[SourceView]]:
    """Each collection's sources with their latest runs (newest first) and those runs' entries."""
    now, found = timezone.now(), {}
    for source in Source.objects.filter(collection_id__in=collection_ids):
        runs = list(SyncRun.objects.filter(source=source).prefetch_related("entries")[:SHOWN_RUNS])
        running = bool(source.running_until and source.running_until > now)
        found.setdefault(source.collection_id, []).append(SourceView(source, running, runs))
    return found


__all__ = ["SourceRefused", "collection_for_sources", "source_delete", "source_for", "source_save",
           "source_sync_now", "sources_of"]
