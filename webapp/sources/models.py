"""Sources that stay in sync: a watched folder or a website feeding one collection, what each of its files or
pages became (`SourceItem`), and the log of every sync (`SyncRun`, `SyncEntry`).

A source's documents are ordinary documents of its collection: they are read by whoever may read the collection.
The log stores codes and their parameters (`webapp.sources.wording` words them, in the reader's language).
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from webapp.documents.models import Collection, Document

SYNC_LEASE_S = 600  # a sync that has not said anything for this long is taken to have died with its worker


class SourceQuerySet(models.QuerySet):
    def due(self, now) -> "SourceQuerySet":
        """Sources on a schedule whose next sync time has come and that no live sync holds."""
        return self.filter(interval_minutes__gt=0, next_sync_at__lte=now).filter(self._free(now))

    def schedule_next(self, pk: int, now) -> int:
        """Push a due source's next sync one interval on, so of several schedulers one dispatches it."""
        source = self.filter(pk=pk).values("interval_minutes").first()
        if not source:
            return 0
        later = now + timedelta(minutes=source["interval_minutes"])
        return self.filter(pk=pk, next_sync_at__lte=now).update(next_sync_at=later)

    def claim(self, pk: int, now) -> int:
        """Hold the source for one sync, if no live sync holds it (one conditional UPDATE)."""
        return self.filter(self._free(now), pk=pk).update(running_until=now + timedelta(seconds=SYNC_LEASE_S))

    def renew(self, pk: int) -> int:
        return self.filter(pk=pk).update(running_until=timezone.now() + timedelta(seconds=SYNC_LEASE_S))

    def finish(self, pk: int, now) -> int:
        """End the hold; the next sync is one interval after this one ended (none without an interval)."""
        source = self.filter(pk=pk).values("interval_minutes").first()
        if not source:
            return 0
        minutes = source["interval_minutes"]
        return self.filter(pk=pk).update(running_until=None, last_synced_at=now,
                                         next_sync_at=now + timedelta(minutes=minutes) if minutes else None)

    @staticmethod
    def _free(now) -> Q:
        return Q(running_until__isnull=True) | Q(running_until__lt=now)


class Source(models.Model):
    class Kind(models.TextChoices):
        FOLDER = "folder", _("Watched folder")
        SITE = "site", _("Website or sitemap")

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # A folder's absolute path, or a site's start page or sitemap.xml URL.
    location = models.CharField(max_length=1000)
    max_depth = models.PositiveIntegerField(default=2)
    max_pages = models.PositiveIntegerField(default=200)
    # Empty: only the start URL's host (and port). Else this domain and its subdomains.
    domain = models.CharField(max_length=253, blank=True)
    interval_minutes = models.PositiveIntegerField(default=60)  # 0: only when someone presses "sync now"
    next_sync_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    running_until = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["collection", "pk"]

    def __str__(self) -> str:
        return f"{self.kind}: {self.location}"


class SourceItem(models.Model):
    """One file (its path under the folder) or page (its URL) and the document it became."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="items")
    key = models.CharField(max_length=1000)
    # Null once the document is deleted by hand: the next sync brings it back if the file is still there.
    document = models.ForeignKey(Document, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    mtime_ns = models.BigIntegerField(null=True, blank=True)
    etag = models.CharField(max_length=300, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["source", "key"], name="source_item_unique_key")]


class SyncRun(models.Model):
    class Outcome(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=16, default="schedule")  # schedule | manual
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.RUNNING)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    added = models.IntegerField(default=0)
    updated = models.IntegerField(default=0)
    renamed = models.IntegerField(default=0)
    removed = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-pk"]


class SyncEntry(models.Model):
    """What one sync did to one file or page (unchanged ones are only counted)."""

    class Action(models.TextChoices):
        ADDED = "added", _("added")
        UPDATED = "updated", _("updated")
        RENAMED = "renamed", _("renamed")
        REMOVED = "removed", _("removed")
        FAILED = "failed", _("failed")

    run = models.ForeignKey(SyncRun, on_delete=models.CASCADE, related_name="entries")
    action = models.CharField(max_length=16, choices=Action.choices)
    key = models.CharField(max_length=1000)
    document_id = models.IntegerField(null=True, blank=True)  # no foreign key: the log outlives the document
    code = models.CharField(max_length=40, blank=True)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["pk"]
