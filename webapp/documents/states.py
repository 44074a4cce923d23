"""Every change of a document's ingest state, in one place: web and worker write the row at once, so each
transition is one conditional UPDATE of named fields (never `save()`), and its condition is what keeps two
writers from undoing each other.

Each method returns the rows it changed (0 or 1 for one document, unless said otherwise): 0 means the
condition did not hold (the row is gone, ended, or held by another attempt) and the caller decides what that
means. Who holds a document is `lease_owner` (the attempt's token) until `lease_expires_at`; see
`ingestion.lease` for how leases are taken and kept.
"""

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Greatest

from retrieval.contracts.failures import Failure

QUEUED, PARSING, EMBEDDING, INDEXED, FAILED = "queued", "parsing", "embedding", "indexed", "failed"
# Being worked on. Parsing streams blocks through the chunker into chunk rows, so there is no chunking state.
WORKING = (PARSING, EMBEDDING)
CLAIMABLE = (QUEUED, *WORKING)


def no_error() -> dict:
    """Fields that clear a past failure, for every statement that starts or ends an attempt well."""
    return {"error": "", "error_code": "", "error_params": {}}


def lease_ended() -> dict:
    """Fields that end an attempt's hold, for the statement that ends the attempt."""
    return {"lease_expires_at": None, "attempts": 0}


class DocumentQuerySet(models.QuerySet):
    def claim(self, pk: int, token: str, *, now, expires, resume: str = "") -> int:
        """Give the document to attempt `token` until `expires`, if it is queued or being worked on and no live
        attempt holds it (no lease, an expired one, or the lease of `resume`, the attempt this one retries)."""
        free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
        if resume:
            free |= Q(lease_owner=resume)
        return self.filter(free, pk=pk, status__in=CLAIMABLE).update(lease_owner=token, lease_expires_at=expires)

    def begin(self, pk: int, token: str, stage: str = "", *, resumed: bool = False) -> int:
        """Count one more attempt on the document held by `token` (it may wait its turn first), entering
        `stage` at 0 % in the same statement when given. `resumed`: it retries an attempt that met a transient
        fault and is counted as that one (at least one unfinished attempt), not as another."""
        fields = self._stage(stage, 0.0) if stage else {}
        counted = Greatest(F("attempts"), 1) if resumed else F("attempts") + 1
        return self.filter(pk=pk, lease_owner=token).update(attempts=counted, **fields)

    def advance(self, pk: int, stage: str, percent: float) -> int:
        """Enter `stage` (parsing, embedding) at `percent`. Unconditional: only the holder works on it."""
        return self.filter(pk=pk).update(**self._stage(stage, percent))

    def report(self, pk: int, percent: float) -> int:
        """Record progress within the current stage. Unconditional, like `advance`."""
        return self.filter(pk=pk).update(progress=percent)

    def publish(self, pk: int, token: str, revision: int, **version) -> int:
        """Make `version` (its fields: version, chunk_count, extracted_text…) the live one and mark the document
        indexed, ending the hold; only if `token` holds it and no newer request (`revision`) came meanwhile."""
        fields = dict(status=INDEXED, stage="", progress=100.0, **no_error(), **version, **lease_ended())
        return self.filter(pk=pk, lease_owner=token, revision=revision).update(**fields)

    def fail(self, pk: int, token: str, revision: int, failure: Failure) -> int:
        """Mark the document failed with `failure` (code, parameters, detail), ending the hold; only if `token`
        holds it and no newer request (`revision`) came meanwhile. The stage stays, so the admin sees where it
        stopped."""
        return self.filter(pk=pk, lease_owner=token, revision=revision).update(
            status=FAILED, **failure.fields(), **lease_ended()
        )

    def hand_over(self, pk: int, token: str, **version) -> int:
        """End the hold of `token`, which served an older request, leaving the document queued for the newer
        one; `version` fields (if it finished) are published on the way. Only if `token` still holds it."""
        return self.filter(pk=pk, lease_owner=token).update(**self._queued(), **version, **lease_ended())

    def give_up(self, pk: int, failure: Failure) -> int:
        """Fail a document left queued or mid-stage (its retries of a transient fault ran out), whoever holds it."""
        return self.filter(pk=pk, status__in=CLAIMABLE).update(status=FAILED, **failure.fields())

    def requeue(self, pk: int, **fields) -> int:
        """A new request to ingest (re-ingest, move, replace with `fields` of the new file): queued afresh with a
        new revision, whatever its state; an attempt running on the older revision hands over when it ends."""
        return self.filter(pk=pk).update(**self._queued(), revision=F("revision") + 1, **fields)

    def stale(self, now, owner_prefix: str) -> "DocumentQuerySet":
        """Documents queued or being worked on whose lease (of an owner starting with `owner_prefix`) expired."""
        return self.filter(status__in=CLAIMABLE, lease_expires_at__lt=now, lease_owner__startswith=owner_prefix)

    def rescue(self, pk: int, now, owner_prefix: str) -> int:
        """Queue again a document of `stale()` (its worker died), without a lease; the stage and percentage stay
        until the next attempt begins. Only if it is still stale, so of several sweepers one rescues it."""
        return self.stale(now, owner_prefix).filter(pk=pk).update(status=QUEUED, lease_expires_at=None)

    def release(self, pk: int, token: str, expires=None) -> int:
        """End (or with `expires`, keep until then) the hold of `token`; the owner stays recorded."""
        return self.filter(pk=pk, lease_owner=token).update(lease_expires_at=expires, attempts=0)

    def renew(self, tokens: list[str], expires) -> int:
        """Extend the holds of `tokens` to `expires`, except those released meanwhile; returns how many."""
        return self.filter(lease_owner__in=tokens, lease_expires_at__isnull=False).update(lease_expires_at=expires)

    @staticmethod
    def _stage(stage: str, percent: float) -> dict:
        return {"status": stage, "stage": stage, "progress": percent, **no_error()}

    @staticmethod
    def _queued() -> dict:
        return {"status": QUEUED, "stage": "", "progress": 0.0, **no_error()}
