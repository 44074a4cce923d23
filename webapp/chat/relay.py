"""Relay an answer's Redis stream to a browser or an integration as Server-Sent Events.

Each SSE `id:` is the Redis stream entry id, so a client that reconnects with `Last-Event-ID`
resumes exactly after the last event it saw: nothing lost, nothing repeated. While the answer waits
for the model, `queued` events give the place in line; comments keep proxies from closing the line.
Every stream ends: an id the stream never sent is refused before it starts (400), and a stream of an answer
that has ended ends too, so no client holds a Redis connection for ever.
"""

import json
import re
from collections.abc import AsyncIterator

import redis
import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings

from retrieval.contracts import events
from webapp import errors
from webapp.errors import AppError

BLOCK_MS = 1000
HEARTBEAT_S = 15
# With no worker heartbeat for this long while waiting, the answer is declared lost.
WORKER_GONE_S = 20
# While no event arrives, the message's row is read this often: an answer that ended without its last event
# reaching the stream (Redis restarted, the stream expired) ends the relay instead of pinging for ever.
ROW_CHECK_S = 5
# A Redis stream entry id: milliseconds, optionally "-sequence"; each part fits in 64 bits.
EVENT_ID = re.compile(r"(\d{1,20})(?:-(\d{1,20}))?")
INVALID_LAST_EVENT_ID = "Last-Event-ID must be the id of an event this stream sent (like 1733480000000-0), or 0."
LAST_EVENT_ID_AHEAD = "Last-Event-ID is after the last event of this answer: this stream never sent it."
WORKER_GONE = "The worker stopped before answering. Try again."
STREAM_LOST = "This answer has ended, but its events are no longer kept. Reload the page to read it."


def event_id_parsed(text: str) -> tuple[int, int] | None:
    """(milliseconds, sequence) of a stream entry id, or None when it is not one."""
    match = EVENT_ID.fullmatch(text)
    if match is None:
        return None
    parts = (int(match[1]), int(match[2] or 0))
    return parts if all(part < 2**64 for part in parts) else None


def resume_cursor(message_id: int, last_event_id: str | None) -> str:
    """Where a client resumes the answer's stream: after `last_event_id` ("0" or nothing: from the start).

    Raises AppError (400) for an id that is not an entry id (`$` included: it would wait for events a finished
    answer never sends) or that lies after the stream's last entry. Call it before the response starts.
    """
    cursor = (last_event_id or "0").strip()
    position = event_id_parsed(cursor)
    if position is None:
        raise AppError("invalid_last_event_id", INVALID_LAST_EVENT_ID, details={"header": "Last-Event-ID"})
    try:
        last = events.client().xrevrange(events.stream_key(message_id), count=1)
    except redis.RedisError:
        raise AppError("redis_unavailable", errors.REDIS_DOWN, status=503) from None
    if last and position > event_id_parsed(last[0][0].decode()):
        raise AppError("invalid_last_event_id", LAST_EVENT_ID_AHEAD, details={"header": "Last-Event-ID"})
    return cursor


def sse(event: str, data: dict, event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def answer_events(message_id: int, last_event_id: str = "0") -> AsyncIterator[tuple[str, str, dict]]:
    """Yield (entry_id, event, data) until `done` or `error`; synthesises `queued`, a lost-worker error, and a
    lost-stream error for an answer whose row ended while its stream never will (expired, or Redis restarted).
    Resuming at or past the end yields the terminal event again, and nothing else."""
    client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    key, cursor = events.stream_key(message_id), last_event_id or "0"
    idle_s, last_position, waiting = 0.0, None, True
    try:
        if ended := await _ended_before(client, key, cursor):
            yield ended  # the client saw the end, or resumes from past it: say again how it ended, and stop
            return
        while True:
            position = await client.zrank(events.answer_queue_key(), str(message_id)) if waiting else None
            if position is not None and position != last_position:
                last_position = position
                yield "", "queued", {"position": position + 1}
            batch = await client.xread({key: cursor}, block=BLOCK_MS, count=100)
            if not batch:
                idle_s += BLOCK_MS / 1000
                if idle_s >= WORKER_GONE_S and not await _any_worker(client):
                    yield "", "error", {"code": "worker_unavailable", "message": WORKER_GONE}
                    return
                if idle_s % ROW_CHECK_S == 1 and await _lost(client, message_id, key, cursor):
                    yield "", "error", {"code": "stream_lost", "message": STREAM_LOST}
                    return
                if idle_s % HEARTBEAT_S < BLOCK_MS / 1000:
                    yield "", "ping", {}
                continue
            idle_s = 0.0
            for entry_id, fields in batch[0][1]:
                cursor = entry_id.decode()
                event = fields[b"event"].decode()
                waiting = waiting and event == "sources"
                yield cursor, event, json.loads(fields[b"data"])
                if event in events.TERMINAL_EVENTS:
                    return
    finally:
        await client.aclose()


async def _any_worker(client) -> bool:
    return bool(events.live_in(await client.hgetall(events.workers_key())))


async def _ended_before(client, key: str, cursor: str) -> tuple[str, str, dict] | None:
    """The stream's terminal entry when the stream has ended at or before `cursor`; else None."""
    last = await client.xrevrange(key, count=1)
    if not last:
        return None
    entry_id, fields = last[0][0].decode(), last[0][1]
    event = fields[b"event"].decode()
    if event not in events.TERMINAL_EVENTS or event_id_parsed(entry_id) > (event_id_parsed(cursor) or (0, 0)):
        return None
    return entry_id, event, json.loads(fields[b"data"])


async def _lost(client, message_id: int, key: str, cursor: str) -> bool:
    """The answer's row says it ended (or it is gone) and its stream, idle, still has nothing after `cursor`.

    The worker writes the row before it publishes the last event: a second read, waiting BLOCK_MS, lets an
    event published meanwhile arrive (it is read again by the caller's next round).
    """
    return await _row_ended(message_id) and not await client.xread({key: cursor}, block=BLOCK_MS, count=1)


@sync_to_async
def _row_ended(message_id: int) -> bool:
    from webapp.chat.models import Message

    status = Message.objects.filter(pk=message_id).values_list("status", flat=True).first()
    return status not in (Message.Status.QUEUED, Message.Status.RUNNING)


async def sse_stream(message_id: int, last_event_id: str = "0") -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    async for entry_id, event, data in answer_events(message_id, last_event_id):
        if event == "ping":
            yield ": ping\n\n"
        else:
            yield sse(event, data, entry_id or None)


async def collect_answer(message_id: int, timeout_s: float) -> dict:
    """For non-streaming callers: wait for `done`/`error` and return its data with the event name."""
    import asyncio

    async def run() -> dict:
        async for _, event, data in answer_events(message_id):
            if event in events.TERMINAL_EVENTS:
                return {"event": event, **data}
        return {"event": "error", "code": "stream_ended", "message": "The answer stream ended unexpectedly."}

    return await asyncio.wait_for(run(), timeout=timeout_s)
