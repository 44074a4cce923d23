"""Which ingest attempt holds a document: a lease on its row, renewed while the attempt runs.

- Claiming is one conditional UPDATE, so two attempts (two workers, or a redelivered task next to a
  re-queued one) never work on the same document at once; the loser returns quietly.
- One thread per process renews the leases it holds every RENEW_EVERY_S (of documents being ingested, and
  of documents waiting their turn in this process). When the process dies, its leases expire after LEASE_S
  and `requeue_stale()` (every worker runs it) queues those documents again, without waiting for the
  broker's visibility timeout.
- An attempt whose lease was lost (the document was deleted, or the process froze past LEASE_S and
  another attempt took over) sees `Lease.lost` set and stops.
- `attempts` counts attempts that began (`begin()`) and never ended: a document that kills its worker every
  time fails after MAX_ATTEMPTS instead of taking the worker down forever. The retry of an attempt that met a
  transient fault continues that attempt's count: a database that went away could not record that attempt's end,
  and three PostgreSQL restarts during one document were failing it as "the worker stopped 3 times".
- The owner token starts with REDIS_KEY_PREFIX: a worker rescues only documents of its own install
  (several installs, or test runs, may share one database server and one Redis).
"""

import logging
import os
import socket
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection
from django.db.models import QuerySet
from django.utils import timezone

from webapp.documents.models import Document
from webapp.documents.states import lease_ended

log = logging.getLogger(__name__)
LEASE_S = 30
RENEW_EVERY_S = 5
MAX_ATTEMPTS = 3

_held: dict[str, "Lease"] = {}
_renewer_lock = threading.Lock()
_renewer: threading.Thread | None = None


@dataclass
class Lease:
    document_id: int
    token: str
    revision: int  # set by begin(): the request this attempt serves; a newer one supersedes what it publishes
    attempts: int  # set by begin(): unfinished attempts, this one included
    resumed: bool = False  # the retry of an attempt that met a transient fault: it continues that attempt's count
    lost: threading.Event = field(default_factory=threading.Event)
    released: bool = False  # the attempt's last statement already wrote `ended()`

    def __enter__(self) -> "Lease":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # An exception escaping the attempt is transient (the task retries it): keep the lease a while, so if
        # that retry never comes the document is rescued by `requeue_stale` instead of sitting in its stage.
        if isinstance(exc, DatabaseError):
            close_old_connections()  # one the server cut (a restart) is dropped: this release connects afresh
        release(self, hold_s=LEASE_S if exc_type else 0)


def _new_token() -> str:
    return f"{settings.REDIS_KEY_PREFIX}{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def claim(document_id: int, *, resume: str = "") -> Lease | None:
    """Take the document for one attempt, or None if it is gone, ended, or held by a live attempt.

    `resume`: the token of this document's previous attempt, which failed on a transient fault and kept its
    lease for a while (so the sweep leaves it to this retry); the retry may take that lease over.
    """
    now, token = timezone.now(), _new_token()
    expires = now + timedelta(seconds=LEASE_S)
    if not Document.objects.claim(document_id, token, now=now, expires=expires, resume=resume):
        return None
    # The revision is read by begin(), with the file the attempt will read: a new request (re-ingest, replace) made
    # while the claim waited its turn is the one served, rather than published over and ingested once more.
    lease = Lease(document_id, token, revision=0, attempts=0, resumed=bool(resume))
    _held[token] = lease
    _start_renewer()
    return lease


def begin(lease: Lease, stage: str = "", rows: QuerySet[Document] | None = None) -> Document | None:
    """Count the start of work on a claimed document (a claim may wait its turn first), entering `stage` in
    the same statement; returns the document (None if gone, or taken over meanwhile), read from `rows` (default:
    every field) after that statement, and sets `lease.revision` to the request it is at and `lease.attempts` to
    the attempts that began and never ended, this one included. A resumed attempt is not counted again (see
    `Lease.resumed`)."""
    if not Document.objects.begin(lease.document_id, lease.token, stage, resumed=lease.resumed):
        return None  # deleted since the claim, or its lease expired and another attempt took it
    document = (Document.objects.all() if rows is None else rows).filter(pk=lease.document_id).first()
    if document is not None:
        lease.revision, lease.attempts = document.revision, document.attempts
    return document


def ended() -> dict:
    """Fields that end the hold, for the statement that ends the attempt (then `release` writes nothing)."""
    return lease_ended()


def release(lease: Lease, *, hold_s: float = 0) -> None:
    """End the attempt's hold. The owner stays recorded (who worked on it last); `hold_s` keeps it claimed."""
    _held.pop(lease.token, None)
    if lease.released and not hold_s:
        return
    expires = timezone.now() + timedelta(seconds=hold_s) if hold_s else None
    Document.objects.release(lease.document_id, lease.token, expires)


def requeue_stale() -> list[int]:
    """Documents of this install whose lease ran out while they were being worked on, or waiting their turn in a
    worker (queued, with a lease): that worker died. They are set back to queued, without a lease.

    Returns their ids for the caller to enqueue. Each is a conditional update, so when several workers sweep
    at once each document is queued by one of them.
    """
    now, prefix = timezone.now(), settings.REDIS_KEY_PREFIX
    stale = Document.objects.stale(now, prefix).values_list("pk", flat=True)
    return [document_id for document_id in stale if Document.objects.rescue(document_id, now, prefix)]


def _start_renewer() -> None:
    global _renewer
    with _renewer_lock:
        if _renewer is None or not _renewer.is_alive():
            _renewer = threading.Thread(target=_renew_forever, name="ingest-lease", daemon=True)
            _renewer.start()


def _renew_forever() -> None:
    while True:
        threading.Event().wait(RENEW_EVERY_S)
        try:
            renew(*list(_held.values()))
        except DatabaseError as exc:  # the database is away: the attempt itself will hit it and retry
            log.warning("could not renew %d ingest lease(s): %s", len(_held), exc)
        connection.close()  # this thread's own connection; a fresh one next round


def renew(*leases: Lease) -> None:
    """Extend these leases (two statements however many); mark lost those whose document is gone or taken over."""
    tokens = [lease.token for lease in leases]
    if not tokens:
        return
    expires = timezone.now() + timedelta(seconds=LEASE_S)
    Document.objects.renew(tokens, expires)
    still = set(Document.objects.filter(lease_owner__in=tokens).values_list("lease_owner", flat=True))
    for lease in leases:
        if lease.token not in still:
            lease.lost.set()
