"""The index interface. Qdrant is a derived index: everything in it can be rebuilt from `Chunk` rows.

Invariants every backend keeps:
- every search carries the permission filter (`allowed_collections`) inside the engine query, for the
  dense, the sparse and the fused parts alike; an empty list means "nothing may be read" and returns [];
- a point's payload holds document_id, collection_id, chunk_id, ordinal and version, all filterable;
- `delete_document` removes every point of the document (all versions); `delete_document_versions`
  removes only the versions other than `keep`, so a new version replaces the old one without a gap.
"""

from collections.abc import Iterator, Sequence
from typing import Protocol

from retrieval.types import Hit, IndexPoint, SparseVector

MODES = ("hybrid", "dense", "sparse")


class IndexUnreachable(ConnectionError):
    """The index server could not be reached (refused, reset, timed out); the message names it and its setting.

    A ConnectionError, so ingestion counts it as transient and retries later (`ingestion.pipeline.TRANSIENT`)
    instead of failing the document: the index is fine, only away.
    """


class VectorIndex(Protocol):
    name: str  # collection name in the engine: embedding model and dimension, e.g. "chunks_minilm_384"

    def upsert(self, points: Sequence[IndexPoint]) -> None: ...

    def delete_document(self, document_id: int) -> None: ...

    def delete_document_versions(self, document_id: int, *, keep: int) -> None: ...

    def search(
        self,
        *,
        dense: Sequence[float],
        sparse: SparseVector,
        allowed_collections: Sequence[int],
        limit: int,
        mode: str = "hybrid",
        with_modes: bool = False,
        min_similarity: float | None = None,
    ) -> list[Hit]: ...

    def count(self, *, document_id: int | None = None) -> int: ...

    def scroll(self, *, document_ids: Sequence[int] | None = None, batch: int = 256) -> Iterator[IndexPoint]:
        """Every point (of these documents), with its vectors and payload, in pages of `batch`: what a backup or a
        collection export reads, so the other side never re-embeds."""
        ...

    def drop(self) -> None: ...

    def close(self) -> None: ...
