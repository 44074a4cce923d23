"""Answers before ingestion, inside the one worker process that owns the embedded index.

Both share two CPU cores, so a batch of embeddings running next to a generation slows the answer.
Ingestion pauses between batches while an answer is being generated in this process (at most
MAX_PAUSE_S at a time, so a stream of questions cannot starve an upload forever).
"""

import threading
import time
from contextlib import contextmanager

MAX_PAUSE_S = 30.0
_running = 0
_idle = threading.Condition()


@contextmanager
def answering():
    global _running
    with _idle:
        _running += 1
    try:
        yield
    finally:
        with _idle:
            _running -= 1
            _idle.notify_all()


def answering_now() -> bool:
    """True while an answer is being generated in this process."""
    return _running > 0


def wait_while_answering(max_pause_s: float = MAX_PAUSE_S) -> None:
    deadline = time.monotonic() + max_pause_s
    with _idle:
        while _running and time.monotonic() < deadline:
            _idle.wait(timeout=max(0.0, deadline - time.monotonic()))
