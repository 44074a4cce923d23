"""What every backend agrees on, so that a collection written by one reads the same through the other.

Both backends store the same named vectors, the same payload and fuse the same way; only the client differs.
"""

from collections.abc import Iterable, Mapping, Sequence

from retrieval.index.base import MODES
from retrieval.types import Hit, IndexPoint, SparseVector

DENSE = "dense"  # cosine over the embedding model's vectors
SPARSE = "sparse"  # BM25-saturated term frequencies; the engine applies IDF (Modifier IDF)
INDEXED_FIELDS = ("collection_id", "document_id")  # integer payload indexes: the permission and delete filters
FUSIONS = ("rrf", "dbsf")
# Weighted RRF as Qdrant computes it: a hit at rank r (from 1) of a retriever of weight w scores 1 / (r/w + k - 1),
# summed over the retrievers. Chosen with `manage.py evaluate_retrieval` on the shared sets (pt FaQuAD, en XQuAD;
# USE multilingual dense side): lexical alone is the stronger side there (recall@5 0.972 / 0.994, dense 0.770 /
# 0.964), so a dense rank counts 5x lower (weight 0.2), and k=2 lets either side's first hit lead: fused 0.972 / 0.996,
# recall@10 0.996 / 0.996. Equal weights with k=60 (Cormack et al.) flatten ranks until the weaker side drags
# Portuguese recall@5 down to 0.92. Explicit, so both backends rank alike.
RRF_K = 2
RRF_WEIGHTS = (0.2, 1.0)  # (dense, sparse), in the order of the prefetches
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


def point_from(point_id, payload: Mapping, dense: Sequence[float], sparse_indices, sparse_values) -> IndexPoint:
    """An `IndexPoint` read back from the engine (the inverse of `point_payload` and the backends' `_point`)."""
    return IndexPoint(
        id=str(point_id), dense=[float(x) for x in dense],
        sparse=SparseVector(indices=[int(i) for i in sparse_indices], values=[float(v) for v in sparse_values]),
        document_id=int(payload["document_id"]), collection_id=int(payload["collection_id"]),
        chunk_id=int(payload["chunk_id"]), ordinal=int(payload["ordinal"]), version=int(payload["version"]),
    )


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
    """How many candidates each retriever hands to fusion: enough that a hit ranked low by one side survives.

    Measured on the shared sets, 20 and 40 candidates fuse to the same recall; more only costs time.
    """
    return max(limit * 2, 20)


def above_floor(fused: Sequence, sparse_rescored: Sequence, floor: float, limit: int) -> list:
    """The fused points, in fused order, whose dense cosine reaches `floor`.

    The dense candidates were searched with the floor as their score threshold, so all of them reach it; the sparse
    candidates come in `sparse_rescored` with their cosine (the sparse candidates rescored by the dense vector, in
    the same engine batch). A fused point that is not a sparse candidate therefore came from the dense side.
    The floor is on the cosine because that is the one absolute score there is: a fused RRF score only says how high
    the retrievers ranked a point, and BM25 has no fixed scale. So one calibration per embedding model serves every
    fusion method, and a lexical match the question does not mean is dropped too. A sparse search takes no floor.
    """
    cosine = {str(p.id): p.score for p in sparse_rescored}
    return [p for p in fused if cosine.get(str(p.id), floor) >= floor][:limit]


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
