"""Answers whose worker died mid-answer end with an error the asker sees, instead of staying `running` for ever.

- A worker records which answers it is writing: while `answering(message_id)` runs, Redis holds the worker's
  name under `owner_key(message_id)`, written before the answer starts and rewritten with every heartbeat
  (`renew`, so a Redis that restarted empty has them again within a beat).
- `answers_end_stale()` (every worker runs it) ends the `running` answers whose owner no longer sends a
  heartbeat: status `error`, an `error` event on the stream (code `worker_lost`), out of the answer queue.
  Each is a conditional update, so when several workers sweep at once each answer is ended once.
- An answer with no owner under this install's REDIS_KEY_PREFIX is left alone: it belongs to another install
  (or test run) sharing the database.
- The answer task is not `acks_late`: a half-written answer is ended here, not replayed an hour later.
"""

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

from retrieval.contracts import events

log = logging.getLogger(__name__)
WORKER_LOST = "The worker stopped while writing this answer. Regenerate it to try again."
OWNER_TTL_S = events.STREAM_TTL_S

_lock = threading.Lock()
_answering: set[int] = set()


@contextmanager
def answering(message_id: int) -> Iterator[None]:
    """Record this worker as the writer of the answer while the block runs."""
    with _lock:
        _answering.add(message_id)
    try:
        events.client().set(events.owner_key(message_id), events.worker_name(), ex=OWNER_TTL_S)
    except Exception as exc:  # Redis away: the answer fails on its own first write and says so
        log.warning("could not record the writer of answer %s: %s", message_id, exc)
    try:
        yield
    finally:
        with _lock:
            _answering.discard(message_id)
        try:
            events.client().delete(events.owner_key(message_id))
        except Exception:
            pass  # it expires; the answer has ended, so no sweep will look at it


def renew() -> None:
    """Write again the owner of every answer this worker is writing (one round trip)."""
    with _lock:
        message_ids = list(_answering)
    if not message_ids:
        return
    pipe, name = events.client().pipeline(transaction=False), events.worker_name()
    for message_id in message_ids:
        pipe.set(events.owner_key(message_id), name, ex=OWNER_TTL_S)
    pipe.execute()


def answers_end_stale() -> list[int]:
    """End the running answers of this install whose worker stopped sending heartbeats; returns their ids."""
    from webapp.chat.models import Message

    running = list(Message.objects.filter(status=Message.Status.RUNNING).values_list("pk", flat=True))
    if not running:
        return []
    owners = events.client().mget([events.owner_key(pk) for pk in running])
    alive = {status.get("name") for status in events.live_workers()}
    ended = []
    for message_id, owner in zip(running, owners):
        if owner is None or owner.decode() in alive:
            continue
        if Message.objects.filter(pk=message_id, status=Message.Status.RUNNING).update(
            status=Message.Status.ERROR, error=WORKER_LOST, finished_at=timezone.now()
        ):
            log.warning("answer %s was left by worker %s, which stopped: ended with an error", message_id, owner)
            events.publish(message_id, "error", {"code": "worker_lost", "message": WORKER_LOST})
            events.dequeued(message_id)
            ended.append(message_id)
        events.client().delete(events.owner_key(message_id))
    return ended
