"""Cores for embedding: a document alone in the worker embeds several of its batches at once, on the lanes that
other ingests leave idle.

Why: INGEST_CONCURRENCY documents are ingested at once, one thread each, and the embedder runs one BLAS thread
per call (retrieval.embedding says why). Many small documents keep every core busy that way, but a long one
ingested alone, or the last one of an upload (on bench/ingest.py's mixed folder, the 30-page manual held half
the chunks and ran alone for the last third of the round), used one core of two. The encode releases the GIL in
its matrix products, so batches embedded in two threads run on two cores.

A lane is one encode at a time. Each document in an attempt holds its own (`ingesting`); a document may borrow
the lanes nobody holds, INGEST_CONCURRENCY in all, for one round of batches at a time (`spare`), so a document
that starts meanwhile waits at most one round before its encode has a core to itself. No lane is lent while an
answer is being written here (`retrieval.throttle`): its model wants the cores that are idle.
"""

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings

from retrieval import throttle

T = TypeVar("T")
R = TypeVar("R")

_lock = threading.Lock()
_ingesting = 0  # documents in an attempt in this process: each holds a lane
_borrowed = 0  # lanes lent for a round of batches
_pool: ThreadPoolExecutor | None = None


@contextmanager
def ingesting() -> Iterator[None]:
    """A document's attempt holds its own lane for as long as it runs (parsing too: parsing takes a core)."""
    global _ingesting
    with _lock:
        _ingesting += 1
    try:
        yield
    finally:
        with _lock:
            _ingesting -= 1


@contextmanager
def spare(wanted: int) -> Iterator[int]:
    """Borrow up to `wanted` idle lanes (none if all are held, or while an answer is being written: never waits)
    for the time of the block."""
    global _borrowed
    if throttle.answering_now():
        wanted = 0
    with _lock:
        got = max(0, min(wanted, settings.INGEST_CONCURRENCY - _ingesting - _borrowed))
        _borrowed += got
    try:
        yield got
    finally:
        with _lock:
            _borrowed -= got


def run_all(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`work` on every item, the first in this thread and the rest in the lanes' threads at once; results in order.

    The caller has borrowed a lane for each item past the first (`spare`). An exception from any item is raised
    after all have ended, so no thread still writes for a document whose attempt has failed."""
    first, *rest = items
    if not rest:
        return [work(first)]
    futures = [_threads().submit(work, item) for item in rest]
    try:
        results = [work(first)]
    finally:
        for future in futures:
            future.exception()  # wait for every one, whatever happened here
    return results + [future.result() for future in futures]


def _threads() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=max(1, settings.INGEST_CONCURRENCY - 1),
                                       thread_name_prefix="embed-lane")
        return _pool
