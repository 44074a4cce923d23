"""Timings and counts recorded where they happen (ingest stages, answers), kept in Redis so /metrics sums every process.

Why Redis rather than prometheus_client's multiprocess mode: the workers are separate processes, and in production
on other machines (README: production topology) than the web processes that serve /metrics; they share Redis, not a
folder. Multiprocess mode needs one folder shared by every process, cleaned at each start, and each web process
would still answer for itself only. Here every process adds to the same Redis hashes with HINCRBY (atomic, so any
number of workers and threads), and any web process reads the whole: one scrape, every worker's figures.

Layout: one hash per figure, `{REDIS_KEY_PREFIX}metrics:{name}`. A counter has one field per label set (the labels
as JSON); a histogram has, per label set, one field per bucket (`…|b3`: observations in that bucket alone, summed at
read time), `…|sum` and `…|count`. Recording never raises: a figure lost while Redis is away is not worth an answer.
Inside `batched()` a thread's figures wait and go in one round trip when the block ends (an ingest records four per
document, ~7 ms apart; one pipeline is ~1.5 ms).
"""

import bisect
import json
import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass

from retrieval.contracts import events
from retrieval.contracts.payloads import Usage

log = logging.getLogger(__name__)
_pending = threading.local()  # .writes: the figures of this thread's `batched()` block, or absent outside one

SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
LONG_SECONDS = (0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 900.0, 3600.0)
RATE = (1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 50.0, 75.0, 100.0, 200.0, 500.0, 1000.0)


@dataclass(frozen=True)
class Figure:
    name: str  # without the acervo_ prefix
    kind: str  # "counter" | "histogram"
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()


FIGURES = {f.name: f for f in (
    Figure("ingest_stage_seconds", "histogram", "Time spent in each ingest stage (parse: read and chunk; embed: embed "
           "and index; publish), successful or not.", ("stage",), LONG_SECONDS),
    Figure("ingest_failures_total", "counter", "Ingest stages that ended in an error, by stage and error code.",
           ("stage", "error")),
    Figure("ingest_documents_total", "counter", "Ingest attempts by how they ended.", ("outcome",)),
    Figure("answer_queue_wait_seconds", "histogram", "From the question to a worker starting its answer.", (),
           LONG_SECONDS),
    Figure("answer_retrieval_seconds", "histogram", "Search time of an answer (rewrite, embed, hybrid search).", (),
           SECONDS),
    Figure("answer_first_token_seconds", "histogram", "Time to first token: from calling the model to its first "
           "token.", (), SECONDS),
    Figure("answer_tokens_per_second", "histogram", "Generation speed of an answer after its first token.", (), RATE),
    Figure("answers_total", "counter", "Answers by outcome (answered, refused, unconfirmed, error) and finish reason.",
           ("outcome", "finish_reason")),
)}


def hash_key(name: str) -> str:
    return events.key(f"metrics:{name}")


def label_field(figure: Figure, labels: dict) -> str:
    return json.dumps([str(labels.get(label, "")) for label in figure.labels], ensure_ascii=False)


def count(name: str, amount: float = 1, **labels) -> None:
    figure = FIGURES[name]
    _write(lambda pipe: pipe.hincrbyfloat(hash_key(name), label_field(figure, labels), amount))


def counted(name: str, outcome: str) -> str:
    """Count `outcome` in `name` (labelled `outcome`) and return it: `return counted(…, attempt())`."""
    count(name, outcome=outcome)
    return outcome


def observe(name: str, value: float, **labels) -> None:
    figure = FIGURES[name]
    field = label_field(figure, labels)
    bucket = bisect.bisect_left(figure.buckets, value)  # len(buckets) is +Inf

    def write(pipe):
        pipe.hincrby(hash_key(name), f"{field}|b{bucket}", 1)
        pipe.hincrbyfloat(hash_key(name), f"{field}|sum", value)
        pipe.hincrby(hash_key(name), f"{field}|count", 1)

    _write(write)


@contextmanager
def timed(name: str, *, failures: str = "", **labels):
    """Observe the block's duration in `name`; when it raises, also count it in `failures` with the error's code
    (a ParseError's reason, else the exception's class name), and let the exception go on."""
    started = time.monotonic()
    try:
        yield
    except BaseException as exc:
        if failures:
            count(failures, **labels, error=getattr(exc, "reason", "") or type(exc).__name__)
        raise
    finally:
        observe(name, time.monotonic() - started, **labels)


@contextmanager
def batched():
    """Record the figures of the block (this thread's) in one Redis round trip when it ends, however it ends.
    Nested blocks join the outer one."""
    if getattr(_pending, "writes", None) is not None:
        yield
        return
    _pending.writes = []
    try:
        yield
    finally:
        writes, _pending.writes = _pending.writes, None
        if writes:
            _write(lambda pipe: [add(pipe) for add in writes])


def _write(add) -> None:
    writes = getattr(_pending, "writes", None)
    if writes is not None:
        writes.append(add)
        return
    try:
        pipe = events.client().pipeline(transaction=False)
        add(pipe)
        pipe.execute()
    except Exception as exc:  # Redis away: the figure is lost, the work goes on
        log.debug("figure not recorded: %s", exc)


def stored(name: str) -> dict[str, float]:
    """The raw hash of one figure (field → value), for the collector."""
    return {k.decode(): float(v) for k, v in events.client().hgetall(hash_key(name)).items()}


def answer_finished(usage: Usage, outcome: str, finish_reason: str) -> None:
    """One answer's figures, from the usage it stores on its message (retrieval.answer)."""
    count("answers_total", outcome=outcome, finish_reason=finish_reason)
    for figure, field, scale in (("answer_queue_wait_seconds", "queue_wait_ms", 1000),
                                 ("answer_retrieval_seconds", "retrieval_ms", 1000),
                                 ("answer_first_token_seconds", "ttft_ms", 1000),
                                 ("answer_tokens_per_second", "tokens_per_s", 1)):
        if isinstance(usage.get(field), int | float):
            observe(figure, usage[field] / scale)
