"""search_passages() = embed the question → hybrid query (permission filter and relevance floor inside) → join rows
→ spread.

The filter on the collections the asker may read is part of the engine query itself, for the dense, the sparse and
the fused parts alike (see `retrieval.index.base`). The payload's collection is a copy, though: a document moved to
another collection keeps the old one in its points until it is re-indexed, so the join checks each passage's
collection in the database too (the source of truth), and a moved document is never shown to its old readers.
What happens here, on rows already allowed: stale versions and near-duplicates are dropped, and one page
may not crowd the others out.
"""

import re
from collections import Counter, defaultdict

from django.conf import settings

from retrieval import lexical
from retrieval.components import active_pair
from retrieval.types import Hit, Passage
from webapp.documents.models import Chunk

# Hits asked of the index per passage wanted: room for what the floor, stale versions and the spreading drop.
CANDIDATES_PER_PASSAGE = 3
# Passages one page (one document, when it has no pages) gives before every other page had its turn.
MAX_PER_PAGE = 2
# Share of word 3-grams two chunks of one document have in common (Jaccard) from which the lower one is a
# near-duplicate: the same boilerplate on many pages. Chunk overlap stays far below. Across documents only the
# very same text counts as a duplicate: two versions of a regulation that differ in one number are both shown.
NEAR_DUPLICATE = 0.8
_WORDS = re.compile(r"\w+")


def search_passages(
    query: str, *, collection_ids: list[int], limit: int, mode: str = "hybrid", floor: float | None = None
) -> list[Passage]:
    """The best passages for `query` among `collection_ids`, numbered 1..n, best first, at most `limit`.

    `floor` (default RELEVANCE_FLOOR) is the least cosine similarity between the question and a passage, judged by
    the engine in dense and hybrid modes (`retrieval.index.common.above_floor`); 0 or less turns it off, and a
    sparse search takes none. `Passage.score` is the fused score in hybrid mode (rank-based), the cosine in dense
    mode and the BM25 score in sparse mode.
    """
    if not collection_ids or not query.strip() or limit <= 0:
        return []
    floor = settings.RELEVANCE_FLOOR if floor is None else floor
    index, embedder = active_pair()
    hits = index.search(
        dense=embedder.encode_query(query) if mode != "sparse" else [],
        sparse=lexical.query_vector(query),
        allowed_collections=collection_ids,
        limit=limit * CANDIDATES_PER_PASSAGE,
        mode=mode,
        with_modes=mode == "hybrid",  # whether both retrievers found a passage is evidence it answers
        min_similarity=floor if floor > 0 else None,
    )
    return join_passages(hits, limit=limit, collection_ids=collection_ids)


def join_passages(hits: list[Hit], *, limit: int, collection_ids: list[int]) -> list[Passage]:
    """Attach text and location from the database (the source of truth), then `spread` them.

    Drops hits whose chunk is gone or belongs to a version being replaced, so a re-ingest in progress never
    shows a passage twice, and hits whose document is no longer in `collection_ids` (moved, its points not yet
    rewritten), so a stale payload never grants access.
    """
    chunks = Chunk.objects.select_related("document").defer("document__extracted_text")  # a whole book's text
    rows = chunks.in_bulk([h.chunk_id for h in hits])
    allowed = set(collection_ids)
    live = [(h, c) for h in hits if (c := rows.get(h.chunk_id)) and c.version == c.document.version
            and c.document.collection_id in allowed]
    return [_passage(n, hit, chunk) for n, (hit, chunk) in enumerate(spread(live, limit=limit), start=1)]


def spread(ranked: list[tuple[Hit, Chunk]], *, limit: int) -> list[tuple[Hit, Chunk]]:
    """Best first, except: a text already shown (in any document) or a near-duplicate of a better chunk of the same
    document is dropped, and a page that already gave MAX_PER_PAGE passages waits until the other candidates had
    their turn (it still fills in when they run out)."""
    chosen: list = []
    waiting: list = []
    texts: set[str] = set()
    grams_of: dict[int, list[set]] = defaultdict(list)
    per_page: Counter = Counter()
    for hit, chunk in ranked:
        text, grams = normalized(chunk.text), _trigrams(chunk.text)
        if text in texts or any(_jaccard(grams, other) >= NEAR_DUPLICATE for other in grams_of[chunk.document_id]):
            continue
        texts.add(text)
        grams_of[chunk.document_id].append(grams)
        page = (chunk.document_id, chunk.page)
        per_page[page] += 1
        (chosen if per_page[page] <= MAX_PER_PAGE else waiting).append((hit, chunk))
    return (chosen + waiting)[:limit]


def normalized(text: str) -> str:
    """What makes two texts "the same" to a reader: case and spacing aside."""
    return " ".join(text.lower().split())


def _trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORDS.findall(text.lower())
    return {tuple(words[i : i + 3]) for i in range(max(len(words) - 2, 1))}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def _passage(n: int, hit: Hit, chunk: Chunk) -> Passage:
    return Passage(
        n=n,
        chunk_id=chunk.pk,
        document_id=chunk.document_id,
        collection_id=chunk.document.collection_id,
        title=chunk.document.title,
        text=chunk.text,
        page=chunk.page,
        location=chunk.location,
        heading_path=chunk.heading_path,
        char_start=chunk.char_start,
        char_end=chunk.char_end,
        score=hit.score,
        modes=hit.modes,
    )
