"""Every change of an index version's state, in one place (like `webapp.documents.states` for documents).

An index version is one Qdrant collection made by one embedding model. The database and the stored originals are
the source of truth; a version is derived from the chunk rows and can always be built again. Life of a version:

    building ──activate──▶ active ──(another version activated)──▶ retired ──drop──▶ dropped
        └──fail──▶ failed        building ──abandon (the setting changed back)──▶ retired

At most one version is active (a partial unique constraint): searches and answers use it, with its own embedding
model. A build is held by one attempt at a time through a lease renewed on every batch; its `cursor` (the last
chunk row embedded, rows taken in primary-key order) lets a new attempt continue where a dead worker stopped.
Each method is one conditional UPDATE and returns the rows it changed: 0 means its condition did not hold (another
attempt holds the build, it ended, or the row is gone) and the caller decides what that means.
"""

from django.db import IntegrityError, models, transaction
from django.db.models import Q, Value
from django.db.models.functions import Coalesce

BUILDING, ACTIVE, RETIRED, DROPPED, FAILED = "building", "active", "retired", "dropped", "failed"
LIVE = (BUILDING, ACTIVE)  # the versions every new chunk and every deletion must reach


class IndexVersionQuerySet(models.QuerySet):
    def active(self):
        """The version searches use, or None before the first worker adopted one."""
        return self.filter(state=ACTIVE).first()

    def live(self) -> "IndexVersionQuerySet":
        """The active version and a build under way, if any: the versions ingestion writes to."""
        return self.filter(state__in=LIVE).exclude(collection="")

    def adopt(self, *, model: str, dim: int, collection: str):
        """Make `collection` the active version when none is (a fresh install, or one from before versions: its
        collection is taken over as it is). Returns the active version, this one or one another process adopted."""
        try:
            with transaction.atomic():
                return self.create(model=model, dim=dim, collection=collection, state=ACTIVE,
                                   chunks_done=0, chunks_total=0)
        except IntegrityError:  # another worker adopted one at the same moment
            return self.active()

    def begin(self, *, model: str):
        """A new build for `model`, unless one is under way for it already; returns that version."""
        return self.filter(state=BUILDING, model=model).first() or self.create(model=model, state=BUILDING)

    def reserve(self, pk: int, *, now, expires) -> int:
        """Mark a build as queued until `expires` if no attempt holds it (none yet, or its lease ran out): the
        caller queues the task only when this returns 1, so a build is never queued twice while it waits."""
        free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        return self.filter(free, pk=pk, state=BUILDING).update(lease_owner="", lease_expires_at=expires)

    def claim(self, pk: int, token: str, *, now, expires) -> int:
        """Give the build to attempt `token`: it was queued for one (no owner) or its last attempt's lease ran out."""
        free = Q(lease_owner="") | Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        first_start = Coalesce("started_at", Value(now, output_field=models.DateTimeField()))  # a resumed build keeps it
        return self.filter(free, pk=pk, state=BUILDING).update(lease_owner=token, lease_expires_at=expires,
                                                               started_at=first_start)

    def prepare(self, pk: int, token: str, *, dim: int, collection: str) -> int:
        """Record the model's dimension and the collection the build writes (known once the model is loaded)."""
        return self.filter(pk=pk, lease_owner=token, state=BUILDING).update(dim=dim, collection=collection)

    def advance(self, pk: int, token: str, *, cursor: int, done: int, total: int, expires) -> int:
        """Record a batch written (up to chunk row `cursor`) and renew the lease; 0: the build is no longer ours."""
        return self.filter(pk=pk, lease_owner=token, state=BUILDING).update(
            cursor=cursor, chunks_done=done, chunks_total=total, lease_expires_at=expires)

    def activate(self, pk: int, token: str, *, now) -> int:
        """Switch searches to this build in one transaction: the active version is retired and this one, if the
        attempt still holds it, becomes active. Returns 0 (and changes nothing) when the attempt lost it."""
        with transaction.atomic():
            self.filter(state=ACTIVE).exclude(pk=pk).update(state=RETIRED, retired_at=now)
            switched = self.filter(pk=pk, lease_owner=token, state=BUILDING).update(
                state=ACTIVE, finished_at=now, activated_at=now, lease_expires_at=None)
            if not switched:
                transaction.set_rollback(True)
            return switched

    def fail(self, pk: int, token: str, *, code: str, detail: str, now) -> int:
        """End the build with an error `code` (words for it at the edge) and the technical `detail`."""
        return self.filter(pk=pk, lease_owner=token, state=BUILDING).update(
            state=FAILED, error_code=code, error_detail=detail[:1000], finished_at=now, lease_expires_at=None)

    def abandon(self, *, keep_model: str, now) -> int:
        """Stop the builds of a model no longer configured (their collections are dropped like a retired one)."""
        return self.filter(state=BUILDING).exclude(model=keep_model).update(
            state=RETIRED, retired_at=now, finished_at=now, lease_expires_at=None)

    def droppable(self, *, before) -> "IndexVersionQuerySet":
        """Retired versions past their grace (searches that began before the switch have ended)."""
        return self.filter(state=RETIRED, retired_at__lt=before)

    def forget(self) -> int:
        """Forget every version (a restore without the backup's vectors): the next worker adopts EMBEDDING_MODEL's
        collection as the active one, and re-ingesting the documents fills it."""
        return self.all().delete()[0]

    def dropped(self, pk: int) -> int:
        """Mark a retired version dropped; only one process wins, and that one deletes the collection."""
        return self.filter(pk=pk, state=RETIRED).update(state=DROPPED)
