"""EdgeIndex: Qdrant's engine embedded in this process (qdrant-edge-py), one collection per folder.

Facts that shape this module (measured on qdrant-edge-py 0.9):
- The engine locks the folder's write-ahead log: a second open, from this or any process, fails. Open one
  EdgeIndex per folder per process and share it between threads.
- Every engine call holds the GIL for its whole length, so threads never run engine calls in parallel; the
  lock below therefore costs no parallelism, and it makes close()/drop() safe against a search in flight.
- Nothing optimizes in the background. New points land in a plain segment searched by brute force (filtered
  through the payload index) until `optimize()` builds HNSW; the engine skips segments under its indexing
  threshold (~10 MB of vectors, ~6.5k points at 384 dims), so a call with little new is free.
- Measured at 100k points of 384 dims on 2 shared cores: filtered hybrid p95 ~16 ms unoptimized, 3-6 ms once
  optimized into HNSW. Building HNSW costs ~1.3 ms a point and holds the GIL, freezing every thread of the
  process: 125 s for 100k at once; optimizing every 10k points spreads the work, but the engine merges new
  segments into the big one, so pauses grow with the collection (18-54 s near 100k). Capping segment size
  bounds the pauses (~8 s) but then filtered search scans each small segment and is no faster than unoptimized.
  Past ~50k chunks, prefer a Qdrant server (url=), which optimizes in its own process.
- At 512 dims (USE), bench/retrieval.py up to 1M points: ~580 MB of RSS and ~670 MB of disk per 100k points as
  loaded; filtered hybrid p95 with the question's embedding 43 ms at 50k, 0.9 s at 1M (unoptimized, load ~13);
  HNSW cost 1.7 ms of CPU a point at 50k (2.3 ms at 200k) and brought it to 25 ms (15 ms at 200k). On a quiet
  machine at 1M: loaded in 189 s, 0.2 s p95 as loaded; optimize 4.0 ms of CPU a point (2,051 s wall, both cores),
  then 24 ms p95 with ~1.3 GB of RSS and ~1.05 GB of disk per 100k points.
- `optimize_every` (0 = never by itself): the upsert that crosses it optimizes before returning.
"""

import shutil
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import qdrant_edge as qe

from retrieval.index import common
from retrieval.index.common import DENSE, SPARSE
from retrieval.types import Hit, IndexPoint, SparseVector

CONFIG_FILE = "edge_config.json"  # written by the engine when a shard is created
ERR_CLOSED = "the index is closed"
# Points per engine call in `upsert`, each under the lock and holding the GIL: ~25 ms here for 128 points of
# 512 dims, so a question waits at most about that behind a bulk load (1,024 points: ~0.5 s on a loaded machine).
ENGINE_CALL_POINTS = 128
ERR_LOCKED = "{path} is open in another EdgeIndex, in this process or another: one process per folder"


class EdgeIndex:
    """A `VectorIndex` in the folder `root / name`; created on first open, checked against `dim` after."""

    def __init__(
        self,
        *,
        root: Path,
        name: str,
        dim: int,
        fusion: str = "rrf",
        rrf_k: int = common.RRF_K,
        rrf_weights: Sequence[float] = common.RRF_WEIGHTS,
        optimize_every: int = 10_000,
    ) -> None:
        common.check_fusion(fusion)
        self.name = name
        self.path = Path(root) / name
        self._fusion = qe.Fusion.Rrf(k=rrf_k, weights=list(rrf_weights)) if fusion == "rrf" else qe.Fusion.Dbsf()
        self._optimize_every = optimize_every
        self._pending = 0  # points upserted since the last optimize
        self._lock = threading.Lock()
        self._shard: qe.EdgeShard | None = _open_shard(self.path, dim)

    # --- writes -------------------------------------------------------------------------------------

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points by id (re-upserting an id never duplicates it).

        Written in engine calls of ENGINE_CALL_POINTS, the lock taken for each: a bulk load (an import, a restore)
        lets a search in between every call instead of holding it until the last point, so questions keep being
        answered while a large collection is built. A search may therefore see part of one upsert's points; the
        database join only shows a document's live version, so a version being written stays unseen.
        The call that brings the points added since the last optimize to `optimize_every` also optimizes.
        """
        for batch in common.batches(points, ENGINE_CALL_POINTS):
            made = [_point(p) for p in batch]  # built outside the lock: a search need not wait for this
            with self._lock:
                self._engine().update(qe.UpdateOperation.upsert_points(made))
            time.sleep(0)  # let a thread waiting for the lock (a question) have it before the next call
        with self._lock:
            self._pending += len(points)
            if self._optimize_every and self._pending >= self._optimize_every:
                self._optimize()

    def delete_document(self, document_id: int) -> None:
        self._delete(qe.Filter(must=[_equals("document_id", document_id)]))

    def delete_document_versions(self, document_id: int, *, keep: int) -> None:
        self._delete(qe.Filter(must=[_equals("document_id", document_id)], must_not=[_equals("version", keep)]))

    def optimize(self) -> bool:
        """Build HNSW for new points and vacuum deleted ones; blocks the whole process while it runs.

        Returns True if anything changed. Call it after a bulk load, or leave it to `optimize_every`.
        """
        with self._lock:
            return self._optimize()

    # --- reads --------------------------------------------------------------------------------------

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
    ) -> list[Hit]:
        """Best first. Hybrid fuses both retrievers inside one engine query; every part is filtered.

        `Hit.modes` is the mode searched ("dense", "sparse" or "hybrid"). With `with_modes=True` a hybrid
        search also runs each retriever alone, in the same batch, and names those whose candidates held the hit.
        `min_similarity` drops hits whose dense cosine to the question is lower (see `common.above_floor`).
        """
        common.check_mode(mode)
        if not allowed_collections or limit <= 0:
            return []
        allowed = _allowed(allowed_collections)
        if mode == "hybrid":
            return self._hybrid(dense, sparse, allowed, limit, with_modes, min_similarity)
        threshold = min_similarity if mode == DENSE else None
        request = qe.QueryRequest(
            limit=limit, query=_nearest(mode, dense, sparse), filter=allowed, score_threshold=threshold,
            with_payload=True,
        )
        return self._hits(self._query(request), (mode,))

    def count(self, *, document_id: int | None = None) -> int:
        where = None if document_id is None else qe.Filter(must=[_equals("document_id", document_id)])
        with self._lock:
            return self._engine().count(qe.CountRequest(exact=True, filter=where))

    def scroll(self, *, document_ids: Sequence[int] | None = None, batch: int = 256) -> Iterator[IndexPoint]:
        """Every point (of `document_ids`) with vectors and payload; the lock is held one page at a time."""
        where = None if document_ids is None else qe.Filter(must=[_any("document_id", document_ids)])
        offset = None
        while True:
            request = qe.ScrollRequest(offset=offset, limit=batch, filter=where, with_payload=True, with_vector=True)
            with self._lock:
                records, offset = self._engine().scroll(request)
            for r in records:
                vectors: dict = r.vector if isinstance(r.vector, dict) else {}  # named vectors: always a dict here
                sparse = vectors[SPARSE]
                yield common.point_from(r.id, r.payload or {}, vectors[DENSE], sparse.indices, sparse.values)
            if offset is None:
                return

    # --- lifecycle ----------------------------------------------------------------------------------

    def drop(self) -> None:
        """Delete the collection's folder. The object is closed afterwards; open a new one to start over."""
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)

    def close(self) -> None:
        """Flush and release the folder's lock. Safe to call twice."""
        with self._lock:
            if self._shard is not None:
                self._shard.close()
                self._shard = None

    # --- helpers ------------------------------------------------------------------------------------

    def _hybrid(self, dense, sparse, allowed, limit, with_modes, min_similarity) -> list[Hit]:
        n = common.candidate_limit(limit)
        queries = [_nearest(DENSE, dense, sparse), _nearest(SPARSE, dense, sparse)]
        floored = min_similarity is not None
        prefetches = [  # the floor is the dense side's score threshold; sparse candidates are checked below
            qe.Prefetch(limit=n, query=queries[0], filter=allowed, score_threshold=min_similarity),
            qe.Prefetch(limit=n, query=queries[1], filter=allowed),
        ]
        requests = [qe.QueryRequest(  # every candidate when some may fall under the floor, else `limit`
            limit=2 * n if floored else limit, prefetches=prefetches, query=self._fusion, filter=allowed,  # type: ignore[arg-type]  # a fusion is a query here
            with_payload=True,
        )]
        if floored:  # the sparse candidates rescored by their cosine (n points: no search over the collection)
            requests.append(qe.QueryRequest(limit=n, prefetches=[prefetches[1]], query=queries[0], filter=allowed))
        if with_modes:
            requests += [qe.QueryRequest(limit=n, query=q, filter=allowed) for q in queries]
        with self._lock:
            found, *more = self._engine().query_batch(qe.QueryBatchRequest(requests))
        if floored:
            found = common.above_floor(found, more.pop(0), min_similarity, limit)
        if not with_modes:
            return self._hits(found, ("hybrid",))
        dense_ids, sparse_ids = ({str(p.id) for p in side} for side in more)
        return [common.hit_from(p.payload or {}, p.score, common.modes_of(str(p.id), dense_ids, sparse_ids)) for p in found]

    def _query(self, request: qe.QueryRequest) -> list:
        with self._lock:
            return self._engine().query(request)

    @staticmethod
    def _hits(points: list, modes: tuple[str, ...]) -> list[Hit]:
        return [common.hit_from(p.payload, p.score, modes) for p in points]

    def _delete(self, where: qe.Filter) -> None:
        with self._lock:
            self._engine().update(qe.UpdateOperation.delete_points_by_filter(where))

    def _optimize(self) -> bool:
        changed = self._engine().optimize()
        self._pending = 0
        return changed

    def _engine(self) -> qe.EdgeShard:
        if self._shard is None:
            raise RuntimeError(ERR_CLOSED)
        return self._shard


def _open_shard(path: Path, dim: int) -> qe.EdgeShard:
    """Load the shard if the folder holds one (the engine checks `dim` against it), else create it."""
    config = qe.EdgeConfig(
        vectors={DENSE: qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine)},
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
    )
    if (path / CONFIG_FILE).exists():
        try:
            shard = qe.EdgeShard.load(str(path), config)
        except Exception as error:  # the engine raises a bare Exception; only its text tells a lock apart
            if "WouldBlock" in str(error):
                raise RuntimeError(ERR_LOCKED.format(path=path)) from error
            raise
    else:
        path.mkdir(parents=True, exist_ok=True)
        shard = qe.EdgeShard.create(str(path), config)
    indexed = shard.info().payload_schema
    for field in common.INDEXED_FIELDS:
        if field not in indexed:  # checked on every open: a crash may have come between create and index
            shard.update(qe.UpdateOperation.create_field_index(field, qe.IntegerIndexParams(lookup=True, range=False)))
    return shard


def _point(p: IndexPoint) -> qe.Point:
    vectors = {DENSE: list(p.dense), SPARSE: qe.SparseVector(list(p.sparse.indices), list(p.sparse.values))}
    return qe.Point(p.id, vectors, common.point_payload(p))  # type: ignore[arg-type]  # named dense + sparse


def _nearest(mode: str, dense: Sequence[float], sparse: SparseVector) -> qe.Query:
    if mode == DENSE:
        return qe.Query.Nearest(list(dense), using=DENSE)
    return qe.Query.Nearest(qe.SparseVector(list(sparse.indices), list(sparse.values)), using=SPARSE)


def _allowed(collections: Sequence[int]) -> qe.Filter:
    """The permission filter: only points of these collections may be scored at all."""
    return qe.Filter(must=[qe.FieldCondition(key="collection_id", match=qe.MatchAny(any=list(collections)))])


def _any(key: str, values: Sequence[int]) -> qe.FieldCondition:
    return qe.FieldCondition(key=key, match=qe.MatchAny(any=list(values)))


def _equals(key: str, value: int) -> qe.FieldCondition:
    return qe.FieldCondition(key=key, match=qe.MatchValue(value=value))
