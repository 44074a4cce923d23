"""The retrieval test: what the search finds for a query, ranked, with scores and which retriever found each
passage — for checking why an answer did or did not find something.

In hybrid mode the dense and the lexical (sparse) searches are run too, so each passage shows its rank in
each of them ("dense #2, lexical —"): a passage only one side finds is the usual reason a question fails.
"""

import re
import time
from dataclasses import dataclass

from webapp.chat.search import passages_search
from webapp.documents.models import Chunk

SIDES = ("dense", "sparse")
# Words as retrieval.lexical cuts them: runs of word characters joined by single inner punctuation.
_WORD = re.compile(r"\w+(?:[.,/:\-–'’@]\w+)*")


@dataclass(frozen=True)
class ProbeRow:
    rank: int
    passage: dict  # the search API's passage: title, text, page, location, heading_path, score, …
    ordinal: int | None  # the chunk's ordinal in its document, for a link to it; None if it is gone
    found_by: tuple[str, ...]  # "dense", "sparse", or both
    ranks: dict[str, int | None]  # in hybrid mode: the rank in each side's own results
    segments: list[tuple[str, bool]]  # the passage's text in runs, True for words sharing a lexical term with the query


@dataclass(frozen=True)
class Probe:
    mode: str
    rows: list[ProbeRow]
    elapsed_ms: float


def passages_probe(*, user, query: str, collection_ids: list[int], k: int, mode: str) -> Probe:
    """Search as the chat does, among `collection_ids` (all the user may read when empty). Raises AppError
    as `passages_search` does (empty query, a collection the user may not read, no worker)."""
    started = time.monotonic()
    found = _search(user, query, collection_ids, k, mode)
    sides = {side: _search(user, query, collection_ids, k, side) for side in SIDES} if mode == "hybrid" else {}
    side_ranks = {side: {p["chunk_id"]: i for i, p in enumerate(passages, 1)} for side, passages in sides.items()}
    ordinals = dict(Chunk.objects.filter(pk__in=[p["chunk_id"] for p in found]).values_list("pk", "ordinal"))
    rows = []
    for rank, passage in enumerate(found, 1):
        ranks = {side: side_ranks[side].get(passage["chunk_id"]) for side in side_ranks}
        rows.append(ProbeRow(rank, passage, ordinals.get(passage["chunk_id"]), _found_by(passage, mode, ranks), ranks,
                             matched_segments(passage["text"], query)))
    return Probe(mode=mode, rows=rows, elapsed_ms=round((time.monotonic() - started) * 1000, 1))


def _search(user, query: str, collection_ids: list[int], k: int, mode: str) -> list[dict]:
    """One search over all the chosen collections. `passages_search` takes one collection (or all), so several
    are searched one by one and merged by score: within one mode the scores are on the same scale."""
    if len(collection_ids) <= 1:
        return passages_search(user=user, query=query, collection=collection_ids[0] if collection_ids else None, k=k, mode=mode)
    merged = [p for cid in collection_ids for p in passages_search(user=user, query=query, collection=cid, k=k, mode=mode)]
    return sorted(merged, key=lambda p: p["score"], reverse=True)[:k]


def _found_by(passage: dict, mode: str, ranks: dict[str, int | None]) -> tuple[str, ...]:
    """Which retrievers found the passage: the worker says so when it can (`modes`); else, in hybrid mode,
    the sides whose own results hold it; in a single mode, that mode."""
    named = tuple(m for m in SIDES if m in (passage.get("modes") or ()))
    if named:
        return named
    if mode != "hybrid":
        return (mode,)
    return tuple(side for side in SIDES if ranks.get(side))


def matched_segments(text: str, query: str) -> list[tuple[str, bool]]:
    """`text` in runs, each True when it is a word the lexical search matches with `query` (same stem in
    Portuguese or English, same number or code; never a stopword)."""
    from retrieval.lexical import tokenize  # light (PyStemmer), but only this page needs it

    terms = set(tokenize(query))
    segments: list[tuple[str, bool]] = []
    position = 0
    for word in _WORD.finditer(text):
        if terms.isdisjoint(tokenize(word.group())):
            continue
        if word.start() > position:
            segments.append((text[position:word.start()], False))
        segments.append((word.group(), True))
        position = word.end()
    if position < len(text):
        segments.append((text[position:], False))
    return segments
