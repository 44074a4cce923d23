"""What every backend agrees on, so that a collection written by one reads the same through the other.

Both backends store the same named vectors, the same payload and fuse the same way; only the client differs.
"""

from collections.abc import Iterable, Mapping, Sequence

from retrieval.index.base import MODES
from retrieval.types import Hit, IndexPoint

DENSE = "dense"  # cosine over the embedding model's vectors
SPARSE = "sparse"  # BM25-saturated term frequencies; the engine applies IDF (Modifier IDF)
INDEXED_FIELDS = ("collection_id", "document_id")  # integer payload indexes: the permission and delete filters
FUSIONS = ("rrf", "dbsf")
# RRF constant. Qdrant's own default is 2, which lets a single retriever's first hit win; 60 (Cormack et al.)
# lets agreement between the two retrievers count for more. Explicit, so both backends rank alike.
RRF_K = 60
UPSERT_BATCH = 256  # points per engine call: bounds request size on a server and memory per call

ERR_MODE = "mode must be one of: hybrid, dense, sparse"
ERR_FUSION = "fusion must be 'rrf' or 'dbsf'"


def point_payload(point: IndexPoint) -> dict[str, int]:
    """The payload of a point: every field is filterable, none is text (the database holds the text)."""
    return {
        "document_id": point.document_id,
        "collection_id": point.collection_id,
        "chunk_id": point.chunk_id,
        "ordinal": point.ordinal,
        "version": point.version,
    }


def hit_from(payload: Mapping, score: float, modes: tuple[str, ...]) -> Hit:
    return Hit(
        chunk_id=int(payload["chunk_id"]),
        document_id=int(payload["document_id"]),
        collection_id=int(payload["collection_id"]),
        ordinal=int(payload["ordinal"]),
        score=float(score),
        modes=modes,
    )


def candidate_limit(limit: int) -> int:
    """How many candidates each retriever hands to fusion: enough that a hit ranked low by one side survives."""
    return max(limit * 4, 20)


def check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(ERR_MODE)


def check_fusion(fusion: str) -> None:
    if fusion not in FUSIONS:
        raise ValueError(ERR_FUSION)


def modes_of(point_id: str, dense_ids: set[str], sparse_ids: set[str]) -> tuple[str, ...]:
    """Which retrievers' candidate lists hold the point, in the order of `MODES`."""
    return tuple(m for m, ids in ((DENSE, dense_ids), (SPARSE, sparse_ids)) if point_id in ids)


def batches(points: Sequence[IndexPoint], size: int = UPSERT_BATCH) -> Iterable[Sequence[IndexPoint]]:
    for start in range(0, len(points), size):
        yield points[start : start + size]
