"""Relay an answer's Redis stream to a browser or an integration as Server-Sent Events.

Each SSE `id:` is the Redis stream entry id, so a client that reconnects with `Last-Event-ID`
resumes exactly after the last event it saw: nothing lost, nothing repeated. While the answer waits
for the model, `queued` events give the place in line; comments keep proxies from closing the line.
"""

import json
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from django.conf import settings

from retrieval import events

BLOCK_MS = 1000
HEARTBEAT_S = 15
# With no worker heartbeat for this long while waiting, the answer is declared lost.
WORKER_GONE_S = 20


def sse(event: str, data: dict, event_id: str | None = None) -> str:
    head = f"id: {event_id}\n" if event_id else ""
    return f"{head}event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def answer_events(message_id: int, last_event_id: str = "0") -> AsyncIterator[tuple[str, str, dict]]:
    """Yield (entry_id, event, data) until `done` or `error`; synthesises `queued` and a lost-worker error."""
    client = aioredis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2)
    key, cursor = events.stream_key(message_id), last_event_id or "0"
    idle_s, last_position, waiting = 0.0, None, True
    try:
        while True:
            position = await client.zrank(events.answer_queue_key(), str(message_id)) if waiting else None
            if position is not None and position != last_position:
                last_position = position
                yield "", "queued", {"position": position + 1}
            batch = await client.xread({key: cursor}, block=BLOCK_MS, count=100)
            if not batch:
                idle_s += BLOCK_MS / 1000
                if idle_s >= WORKER_GONE_S and not await _any_worker(client):
                    yield "", "error", {"code": "worker_unavailable", "message": "The worker stopped before answering. Try again."}
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
