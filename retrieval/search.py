"""search_passages() = embed the query → hybrid query with the permission filter inside → join rows.

The filter on the collections the asker may read is part of the engine query itself (see
`retrieval.index.base`); nothing here removes results after the fact for permission reasons.
"""

from django.conf import settings

from retrieval import lexical
from retrieval.components import get_embedder, get_index
from retrieval.types import Hit, Passage
from webapp.documents.models import Chunk


def search_passages(
    query: str, *, collection_ids: list[int], limit: int, mode: str = "hybrid", floor: float | None = None
) -> list[Passage]:
    """The best passages for `query` among `collection_ids`, numbered 1..n, best first."""
    if not collection_ids or not query.strip():
        return []
    dense = get_embedder().encode_query(query) if mode != "sparse" else []
    hits = get_index().search(
        dense=dense,
        sparse=lexical.query_vector(query),
        allowed_collections=collection_ids,
        limit=limit * 2,
        mode=mode,
    )
    floor = settings.RELEVANCE_FLOOR if floor is None else floor
    return join_passages([h for h in hits if h.score >= floor], limit=limit)


def join_passages(hits: list[Hit], *, limit: int) -> list[Passage]:
    """Attach text and location from the database (the source of truth).

    Drops hits whose chunk is gone or belongs to a version being replaced, and near-duplicate texts,
    so a re-ingest in progress never shows a passage twice.
    """
    rows = Chunk.objects.select_related("document").in_bulk([h.chunk_id for h in hits])
    passages: list[Passage] = []
    seen_texts: set[str] = set()
    for hit in hits:
        chunk = rows.get(hit.chunk_id)
        if chunk is None or chunk.version != chunk.document.version:
            continue
        key = " ".join(chunk.text.split()).lower()
        if key in seen_texts:
            continue
        seen_texts.add(key)
        passages.append(_passage(len(passages) + 1, hit, chunk))
        if len(passages) == limit:
            break
    return passages


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
