"""The figures /metrics serves, read at scrape time: what workers recorded (figures.py), queue lengths and worker
heartbeats from Redis, documents and answers from the database. Nothing is kept in the web process, so any web
process answers a scrape with the same, whole picture.

A part that cannot be read (Redis away) leaves its figures out and sets `acervo_redis_up` to 0; the database
figures still come.
"""

import json
import logging
import time

from django.conf import settings
from django.db.models import Count
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily

from retrieval.contracts import events
from webapp.observability import figures

log = logging.getLogger(__name__)
PREFIX = "acervo_"
# kombu's Redis transport keeps a queue's messages of priority p > 0 in the list "{queue}\x06\x16{p}".
PRIORITY_SEP, PRIORITY_STEPS = "\x06\x16", ("", "3", "6", "9")


def queue_names() -> list[str]:
    routed = {route["queue"] for route in settings.CELERY_TASK_ROUTES.values()}
    return sorted(routed | {"celery"})


class AcervoCollector:
    def collect(self):
        yield from _database()
        try:
            redis_figures = list(_queues()) + list(_workers()) + list(_recorded())
        except Exception as exc:
            log.warning("metrics: Redis figures unavailable: %s", exc)
            redis_figures = []
        yield GaugeMetricFamily(PREFIX + "redis_up", "1 when Redis answered this scrape.", value=int(bool(redis_figures)))
        yield from redis_figures


def _database():
    from webapp.chat.models import Message
    from webapp.documents.models import Document

    documents = GaugeMetricFamily(PREFIX + "documents", "Documents by status.", labels=["status"])
    found = dict(Document.objects.values_list("status").annotate(n=Count("id")))
    for status in Document.Status.values:
        documents.add_metric([status], found.get(status, 0))
    yield documents
    answers = GaugeMetricFamily(PREFIX + "answers_in_progress", "Answers waiting for a worker (queued) or being "
                                "written and streamed (running).", labels=["status"])
    live = dict(Message.objects.filter(role=Message.Role.ASSISTANT, status__in=[
        Message.Status.QUEUED, Message.Status.RUNNING]).values_list("status").annotate(n=Count("id")))
    for status in (Message.Status.QUEUED, Message.Status.RUNNING):
        answers.add_metric([str(status)], live.get(status, 0))
    yield answers
    yield from _index_versions()


def _index_versions():
    from webapp.documents.models import IndexVersion

    chunks = GaugeMetricFamily(PREFIX + "index_build_chunks", "Chunks embedded (done) of all (total) by each index "
                               "version being built for a new embedding model.", labels=["model", "figure"])
    for version in IndexVersion.objects.filter(state=IndexVersion.State.BUILDING):
        chunks.add_metric([version.model, "done"], version.chunks_done)
        chunks.add_metric([version.model, "total"], version.chunks_total)
    yield chunks


def _queues():
    depth = GaugeMetricFamily(PREFIX + "queue_depth", "Tasks waiting in each Celery queue (not yet taken by a "
                              "worker).", labels=["queue"])
    pipe = events.client().pipeline(transaction=False)
    names = queue_names()
    for name in names:
        for step in PRIORITY_STEPS:
            pipe.llen(events.key(name + (PRIORITY_SEP + step if step else "")))
    lengths = pipe.execute()
    for i, name in enumerate(names):
        depth.add_metric([name], sum(lengths[i * len(PRIORITY_STEPS):(i + 1) * len(PRIORITY_STEPS)]))
    yield depth


def _workers():
    beats = [json.loads(value) for value in events.client().hgetall(events.workers_key()).values()]
    now = time.time()
    live = [b for b in beats if b.get("at", 0) >= now - events.HEARTBEAT_TTL_S]
    yield GaugeMetricFamily(PREFIX + "workers_live", "Workers whose heartbeat is recent.", value=len(live))
    ready = GaugeMetricFamily(PREFIX + "worker_ready", "1 when a live worker has loaded its models and index.",
                              labels=["worker"])
    age = GaugeMetricFamily(PREFIX + "worker_heartbeat_age_seconds", "Seconds since each known worker's last "
                            f"heartbeat (dead past {events.HEARTBEAT_TTL_S}).", labels=["worker"])
    for beat in beats:
        name = str(beat.get("name", "?"))
        age.add_metric([name], round(now - beat.get("at", 0), 3))
        if beat in live:
            ready.add_metric([name], int(bool(beat.get("ready"))))
    yield ready
    yield age


def _recorded():
    for figure in figures.FIGURES.values():
        stored = figures.stored(figure.name)
        yield _counter(figure, stored) if figure.kind == "counter" else _histogram(figure, stored)


def _counter(figure: figures.Figure, stored: dict[str, float]) -> CounterMetricFamily:
    family = CounterMetricFamily(PREFIX + figure.name.removesuffix("_total"), figure.help, labels=list(figure.labels))
    for field, value in sorted(stored.items()):
        family.add_metric(json.loads(field), value)
    return family


def _histogram(figure: figures.Figure, stored: dict[str, float]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(PREFIX + figure.name, figure.help, labels=list(figure.labels))
    label_sets = sorted({field.rsplit("|", 1)[0] for field in stored})
    bounds = [str(b) for b in figure.buckets] + ["+Inf"]
    for labels in label_sets:
        cumulative, buckets = 0.0, []
        for i, bound in enumerate(bounds):
            cumulative += stored.get(f"{labels}|b{i}", 0)
            buckets.append((bound, cumulative))
        family.add_metric(json.loads(labels), buckets, sum_value=stored.get(f"{labels}|sum", 0))
    return family
