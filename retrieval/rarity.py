"""How rare each word is in the collections searched: document frequencies from a sample of their passages.

A question about something the documents never discuss still shares its common words with them ("How many
vacation days does the intern *bonus* give?"): the words that matter for answerability are the rare ones.
`retrieval.answerability` weighs the question's words by their inverse document frequency here.

Frequencies are counted per collection, in the worker, from at most SAMPLE passages (so the cost is bounded
whatever the collection's size; a word absent from the sample counts as rare, which it is), and kept until the
collection's indexed documents change and MAX_AGE_S has passed. The first question on a collection builds its
counts; later rebuilds happen in a background thread while the previous counts go on serving.
"""

import dataclasses
import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import Count, F, Max, Sum

from retrieval.lexical import tokenize
from webapp.documents.models import Chunk, Document

SAMPLE = 20_000
MAX_AGE_S = 600


@dataclass(frozen=True)
class Counts:
    df: Counter
    passages: int  # passages counted (the sample's size)
    signature: tuple
    fresh_at: float  # when they were built, or last found to match the collection


_counts: dict[int, Counts] = {}
_building: set[int] = set()
_lock = threading.Lock()


def rarity_of(collection_ids: list[int]) -> Callable[[frozenset[str]], float]:
    """A function giving a word (its index terms) its inverse document frequency across `collection_ids`."""
    counts = [c for c in (_collection_counts(cid) for cid in collection_ids) if c is not None]
    total = sum(c.passages for c in counts)

    def idf(terms: frozenset[str]) -> float:
        df = max((sum(c.df[t] for c in counts) for t in terms), default=0)
        return math.log(1 + total / (1 + df))

    return idf


def _collection_counts(collection_id: int) -> Counts | None:
    current = _counts.get(collection_id)
    if current is None:
        return _build(collection_id, _signature(collection_id))
    if time.monotonic() - current.fresh_at <= MAX_AGE_S:
        return current  # young counts serve without asking the database anything: this runs for every question
    signature = _signature(collection_id)
    if current.signature == signature:
        _counts[collection_id] = dataclasses.replace(current, fresh_at=time.monotonic())  # unchanged: young again
    else:
        with _lock:
            start = collection_id not in _building
            _building.add(collection_id)
        if start:
            threading.Thread(target=_build_in_background, args=(collection_id, signature), daemon=True).start()
    return current


def _signature(collection_id: int) -> tuple:
    """What changes when the collection's searchable passages do: its indexed documents, their chunks, the latest."""
    row = Document.objects.filter(collection_id=collection_id, status=Document.Status.INDEXED).aggregate(
        documents=Count("pk"), chunks=Sum("chunk_count"), latest=Max("indexed_at"))
    return (row["documents"], row["chunks"], row["latest"])


def _build_in_background(collection_id: int, signature: tuple) -> None:
    try:
        _build(collection_id, signature)
    finally:
        connections.close_all()  # this thread's own connection


def _build(collection_id: int, signature: tuple) -> Counts:
    try:
        live = Chunk.objects.filter(document__collection_id=collection_id, version=F("document__version"),
                                    document__status=Document.Status.INDEXED)
        step = max(1, math.ceil((signature[1] or 0) / SAMPLE))
        if step > 1:
            live = live.annotate(slot=F("pk") % step).filter(slot=0)
        df: Counter = Counter()
        passages = 0
        for text in live.values_list("text", flat=True).iterator(chunk_size=2000):
            df.update(set(tokenize(text)))
            passages += 1
        counts = Counts(df=df, passages=passages, signature=signature, fresh_at=time.monotonic())
        _counts[collection_id] = counts
        return counts
    finally:
        with _lock:
            _building.discard(collection_id)
