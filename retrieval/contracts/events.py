"""Redis keys shared by the worker and the web: answer event streams, cancel flags, the answer queue,
who writes each answer, and the worker heartbeat. Light on purpose: the web process imports it.

An answer's events live in one Redis stream per message, so a reconnecting client resumes from the
last event id it saw, and the worker never needs to know who is listening.
"""

import json
import os
import socket
import time
from functools import cache

import redis
from django.conf import settings

STREAM_TTL_S = 24 * 3600
WORKERS = "workers"
HEARTBEAT_TTL_S = 15
ANSWER_QUEUE = "answer-queue"
TERMINAL_EVENTS = ("done", "error")


SOCKET_TIMEOUT_S = 10
# A blocking read waits at most this long per command: well within the socket timeout.
BLOCK_ROUND_S = SOCKET_TIMEOUT_S / 2


@cache
def client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=SOCKET_TIMEOUT_S)


def key(name: str) -> str:
    return settings.REDIS_KEY_PREFIX + name


def stream_key(message_id: int) -> str:
    return key(f"answer:{message_id}")


def cancel_key(message_id: int) -> str:
    return key(f"answer:{message_id}:cancel")


def owner_key(message_id: int) -> str:
    """The name of the worker writing the answer (retrieval.sweep)."""
    return key(f"answer:{message_id}:worker")


def worker_name() -> str:
    """This process's name in the heartbeat hash."""
    return f"{socket.gethostname()}-{os.getpid()}"


def answer_queue_key() -> str:
    return key(ANSWER_QUEUE)


def workers_key() -> str:
    return key(WORKERS)


def publish(message_id: int, event: str, data: dict) -> str:
    key = stream_key(message_id)
    entry_id = client().xadd(key, {"event": event, "data": json.dumps(data, ensure_ascii=False)})
    if event in TERMINAL_EVENTS:
        client().expire(key, STREAM_TTL_S)
    return entry_id.decode()


def publish_token(message_id: int, text: str) -> bool:
    """Append a token and learn whether the reader asked to stop, in one round trip; True when cancelled."""
    pipe = client().pipeline(transaction=False)
    pipe.xadd(stream_key(message_id), {"event": "token", "data": json.dumps({"text": text}, ensure_ascii=False)})
    pipe.exists(cancel_key(message_id))
    return bool(pipe.execute()[1])


def is_cancelled(message_id: int) -> bool:
    return bool(client().exists(cancel_key(message_id)))


def request_cancel(message_id: int) -> None:
    client().set(cancel_key(message_id), 1, ex=STREAM_TTL_S)


def enqueued(message_id: int) -> None:
    client().zadd(answer_queue_key(), {str(message_id): time.time()})


def dequeued(message_id: int) -> None:
    client().zrem(answer_queue_key(), str(message_id))


def beat(worker_name: str, status: dict) -> None:
    """One hash field per worker, stamped: asking who is alive is one read, whatever else Redis holds.
    Each beat also drops the entries of workers that died without saying so."""
    beats = client().hgetall(workers_key())
    stale = [name for name, value in beats.items() if not live_in({name: value})]
    pipe = client().pipeline()
    if stale:
        pipe.hdel(workers_key(), *stale)
    pipe.hset(workers_key(), worker_name, json.dumps({**status, "at": time.time()})).execute()


def forget_worker(worker_name: str) -> None:
    client().hdel(workers_key(), worker_name)


def live_workers() -> list[dict]:
    """The last heartbeat of every worker that reported within HEARTBEAT_TTL_S."""
    return live_in(client().hgetall(workers_key()))


def live_in(beats: dict[bytes, bytes]) -> list[dict]:
    statuses = [json.loads(value) for value in beats.values()]
    return [status for status in statuses if status.get("at", 0) >= time.time() - HEARTBEAT_TTL_S]


def reply_key(request_id: str) -> str:
    return key(f"reply:{request_id}")


def send_reply(request_id: str, payload: dict) -> None:
    """The worker's answer to a request-reply task (a search): one list entry, gone after a minute."""
    pipe = client().pipeline()
    pipe.rpush(reply_key(request_id), json.dumps(payload, ensure_ascii=False)).expire(reply_key(request_id), 60)
    pipe.execute()


def wait_reply(request_id: str, timeout_s: float) -> dict | None:
    """Block until the worker replies, or None after `timeout_s` seconds.

    Waits in rounds shorter than the client's socket timeout: one BLPOP longer than it ends in a
    TimeoutError on the socket instead of an empty reply.
    """
    deadline = time.monotonic() + timeout_s
    while (left := deadline - time.monotonic()) > 0:
        found = client().blpop([reply_key(request_id)], timeout=min(left, BLOCK_ROUND_S))
        if found:
            return json.loads(found[1])
    return None
