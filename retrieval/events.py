"""Redis keys shared by the worker and the web: answer event streams, cancel flags, the answer queue
and the worker heartbeat. Light on purpose: the web process imports it.

An answer's events live in one Redis stream per message, so a reconnecting client resumes from the
last event id it saw, and the worker never needs to know who is listening.
"""

import json
import time
from functools import cache

import redis
from django.conf import settings

STREAM_TTL_S = 24 * 3600
HEARTBEAT = "worker:"
HEARTBEAT_TTL_S = 15
ANSWER_QUEUE = "answer-queue"
TERMINAL_EVENTS = ("done", "error")


@cache
def client() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=10)


def key(name: str) -> str:
    return settings.REDIS_KEY_PREFIX + name


def stream_key(message_id: int) -> str:
    return key(f"answer:{message_id}")


def cancel_key(message_id: int) -> str:
    return key(f"answer:{message_id}:cancel")


def answer_queue_key() -> str:
    return key(ANSWER_QUEUE)


def heartbeat_pattern() -> str:
    return key(HEARTBEAT) + "*"


def publish(message_id: int, event: str, data: dict) -> str:
    key = stream_key(message_id)
    entry_id = client().xadd(key, {"event": event, "data": json.dumps(data, ensure_ascii=False)})
    if event in TERMINAL_EVENTS:
        client().expire(key, STREAM_TTL_S)
    return entry_id.decode()


def is_cancelled(message_id: int) -> bool:
    return bool(client().exists(cancel_key(message_id)))


def request_cancel(message_id: int) -> None:
    client().set(cancel_key(message_id), 1, ex=STREAM_TTL_S)


def enqueued(message_id: int) -> None:
    client().zadd(answer_queue_key(), {str(message_id): time.time()})


def dequeued(message_id: int) -> None:
    client().zrem(answer_queue_key(), str(message_id))


def beat(worker_name: str, status: dict) -> None:
    client().set(key(HEARTBEAT + worker_name), json.dumps(status), ex=HEARTBEAT_TTL_S)


def forget_worker(worker_name: str) -> None:
    client().delete(key(HEARTBEAT + worker_name))


def live_workers() -> list[dict]:
    """The last heartbeat of every worker that reported within HEARTBEAT_TTL_S."""
    keys = list(client().scan_iter(match=heartbeat_pattern(), count=100))
    values = client().mget(keys) if keys else []
    return [json.loads(v) for v in values if v]


def reply_key(request_id: str) -> str:
    return key(f"reply:{request_id}")


def send_reply(request_id: str, payload: dict) -> None:
    """The worker's answer to a request-reply task (a search): one list entry, gone after a minute."""
    pipe = client().pipeline()
    pipe.rpush(reply_key(request_id), json.dumps(payload, ensure_ascii=False)).expire(reply_key(request_id), 60)
    pipe.execute()


def wait_reply(request_id: str, timeout_s: float) -> dict | None:
    """Block until the worker replies, or None after `timeout_s` seconds."""
    found = client().blpop([reply_key(request_id)], timeout=timeout_s)
    return json.loads(found[1]) if found else None
