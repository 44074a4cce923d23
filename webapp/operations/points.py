"""Index points on disk: `points.jsonl` (payload and sparse vector, one line per point) and `vectors.f32` (the dense
vectors, little-endian float32 rows in the same order).

The dense vectors are what costs an embedding model to make, so they travel as they are; restoring or importing
upserts them through the index API, and nothing is re-embedded. Both files are written and read one page at a
time: memory holds one page of vectors, whatever the size of the index.
"""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from retrieval.types import IndexPoint, SparseVector

POINTS, VECTORS = "points.jsonl", "vectors.f32"
PAGE = 256


def points_write(folder: Path, points: Iterable[IndexPoint], *, keep=lambda point: True) -> dict[int, int]:
    """Write the points `keep` accepts; returns how many were written per document."""
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[int, int] = {}
    with (folder / POINTS).open("w", encoding="utf-8") as meta, (folder / VECTORS).open("wb") as vectors:
        for p in points:
            if not keep(p):
                continue
            meta.write(json.dumps({
                "id": p.id, "document_id": p.document_id, "collection_id": p.collection_id, "chunk_id": p.chunk_id,
                "ordinal": p.ordinal, "version": p.version, "sparse": [p.sparse.indices, p.sparse.values],
            }) + "\n")
            vectors.write(np.asarray(p.dense, dtype="<f4").tobytes())
            written[p.document_id] = written.get(p.document_id, 0) + 1
    return written


def points_read(folder: Path, *, dim: int) -> Iterator[IndexPoint]:
    """The points of `points_write`, in order. Raises ValueError if the two files disagree."""
    row = dim * 4
    with (folder / POINTS).open(encoding="utf-8") as meta, (folder / VECTORS).open("rb") as vectors:
        for line in meta:
            raw = vectors.read(row)
            if len(raw) != row:
                raise ValueError(f"{VECTORS} holds fewer vectors than {POINTS} has lines (dimension {dim})")
            m = json.loads(line)
            yield IndexPoint(
                id=m["id"], dense=np.frombuffer(raw, dtype="<f4").tolist(),
                sparse=SparseVector(indices=m["sparse"][0], values=m["sparse"][1]), document_id=m["document_id"],
                collection_id=m["collection_id"], chunk_id=m["chunk_id"], ordinal=m["ordinal"], version=m["version"],
            )
        if vectors.read(1):
            raise ValueError(f"{VECTORS} holds more vectors than {POINTS} has lines (dimension {dim})")


def pages(points: Iterable[IndexPoint], size: int = PAGE) -> Iterator[list[IndexPoint]]:
    page: list[IndexPoint] = []
    for p in points:
        page.append(p)
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page
