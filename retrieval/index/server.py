"""ServerIndex: a collection on a Qdrant server through qdrant-client, or in qdrant-client's local mode.

Local mode (`path=`) is pure Python and slow (measured: p95 183 ms at 10k points): it stands in for a server in
tests, since it speaks the same API. It is not thread-safe, so calls are serialised with a lock there; a real
server's HTTP client is shared between threads as it is.

Opening does not contact the server: the collection is made on the first call, so a worker starts while the server
is away, and every call to a server that cannot be reached raises `IndexUnreachable` (transient: ingestion retries).
"""

import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException

from retrieval.index import common
from retrieval.index.base import IndexUnreachable
from retrieval.index.common import DENSE, SPARSE
from retrieval.types import Hit, IndexPoint, SparseVector

ERR_UNREACHABLE = "The Qdrant server at {url} (QDRANT_URL) cannot be reached ({error}): is it running?"
# What a server that is down, restarting or overloaded looks like to httpx; qdrant-client wraps these in a
# ResponseHandlingException (as it does a response it cannot parse, which is no reason to retry).
_NETWORK = (httpx.NetworkError, httpx.TimeoutException, httpx.RemoteProtocolError)


class ServerIndex:
    """A `VectorIndex` in collection `name`, created with its payload indexes on first use if missing."""

    def __init__(
        self,
        *,
        name: str,
        dim: int,
        url: str = "",
        api_key: str = "",
        path: Path | None = None,
        fusion: str = "rrf",
        rrf_k: int = common.RRF_K,
        rrf_weights: Sequence[float] = common.RRF_WEIGHTS,
    ) -> None:
        common.check_fusion(fusion)
        if bool(url) == (path is not None):
            raise ValueError("give either url= (a Qdrant server) or path= (local mode), not both")
        self.name = name
        self._url, self._dim, self._ready = url, dim, False
        self._fusion = (
            models.RrfQuery(rrf=models.Rrf(k=rrf_k, weights=list(rrf_weights)))
            if fusion == "rrf"
            else models.FusionQuery(fusion=models.Fusion.DBSF)
        )
        if url:
            self._client = QdrantClient(url=url, api_key=api_key or None)
            self._lock: contextlib.AbstractContextManager = contextlib.nullcontext()
        else:
            self._client = QdrantClient(path=str(path), force_disable_check_same_thread=True)
            self._lock = threading.Lock()

    @contextlib.contextmanager
    def _engine(self):
        """The client, for one call: the collection made on first use, calls serialised in local mode, and a
        server that cannot be reached raised as `IndexUnreachable` naming it."""
        try:
            with self._lock:
                if not self._ready:
                    self._ensure_collection(self._dim, payload_indexes=bool(self._url))
                    self._ready = True
                yield self._client
        except (ResponseHandlingException, *_NETWORK) as exc:
            cause = getattr(exc, "source", exc)
            if not isinstance(cause, _NETWORK):
                raise
            error = f"{type(cause).__name__}: {cause}" if str(cause) else type(cause).__name__
            raise IndexUnreachable(ERR_UNREACHABLE.format(url=self._url, error=error)) from exc

    def check(self) -> None:
        """Raises `IndexUnreachable` when the server does not answer: the worker's heartbeat asks on every beat,
        so /readyz names a Qdrant server that went away (or a wrong QDRANT_URL) without waiting for an ingest."""
        with self._engine() as client:
            client.collection_exists(self.name)

    # --- writes -------------------------------------------------------------------------------------

    def upsert(self, points: Sequence[IndexPoint]) -> None:
        """Insert or replace points by id (re-upserting an id never duplicates it); returns once applied.

        Sparse indices must be unique within a vector: a server refuses duplicates.
        """
        for batch in common.batches(points):
            with self._engine() as client:
                client.upsert(self.name, points=[_point(p) for p in batch], wait=True)

    def delete_document(self, document_id: int) -> None:
        self._delete(models.Filter(must=[_equals("document_id", document_id)]))

    def delete_document_versions(self, document_id: int, *, keep: int) -> None:
        where = models.Filter(must=[_equals("document_id", document_id)], must_not=[_equals("version", keep)])
        self._delete(where)

    def optimize(self) -> bool:
        """A server optimizes in the background; present so callers need not ask which backend they hold."""
        return False

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
        using, query = _nearest(mode, dense, sparse)
        threshold = min_similarity if mode == DENSE else None
        with self._engine() as client:
            found = client.query_points(
                self.name, query=query, using=using, query_filter=allowed, limit=limit, score_threshold=threshold
            )
        return [common.hit_from(p.payload, p.score, (mode,)) for p in found.points]

    def count(self, *, document_id: int | None = None) -> int:
        where = None if document_id is None else models.Filter(must=[_equals("document_id", document_id)])
        with self._engine() as client:
            return client.count(self.name, count_filter=where, exact=True).count

    def scroll(self, *, document_ids: Sequence[int] | None = None, batch: int = 256) -> Iterator[IndexPoint]:
        """Every point (of `document_ids`) with vectors and payload, one page per call to the server."""
        where = None
        if document_ids is not None:
            match = models.MatchAny(any=list(document_ids))
            where = models.Filter(must=[models.FieldCondition(key="document_id", match=match)])
        offset = None
        while True:
            with self._engine() as client:
                records, offset = client.scroll(self.name, scroll_filter=where, limit=batch, offset=offset,
                                                with_payload=True, with_vectors=True)
            for r in records:
                vectors = r.vector if isinstance(r.vector, dict) else {}
                sparse = vectors[SPARSE]
                yield common.point_from(r.id, r.payload or {}, vectors[DENSE], sparse.indices, sparse.values)
            if offset is None:
                return

    # --- lifecycle ----------------------------------------------------------------------------------

    def drop(self) -> None:
        """Delete the collection. Later calls fail until a new ServerIndex creates it again."""
        with self._engine() as client:
            client.delete_collection(self.name)

    def close(self) -> None:
        with self._lock:
            self._client.close()

    # --- helpers ------------------------------------------------------------------------------------

    def _hybrid(self, dense, sparse, allowed, limit, with_modes, min_similarity) -> list[Hit]:
        n = common.candidate_limit(limit)
        queries = [_nearest(DENSE, dense, sparse), _nearest(SPARSE, dense, sparse)]
        floored = min_similarity is not None
        (dense_using, dense_query), (sparse_using, sparse_query) = queries
        prefetch = [  # the floor is the dense side's score threshold; sparse candidates are checked below
            models.Prefetch(
                query=dense_query, using=dense_using, filter=allowed, limit=n, score_threshold=min_similarity
            ),
            models.Prefetch(query=sparse_query, using=sparse_using, filter=allowed, limit=n),
        ]
        requests = [models.QueryRequest(  # every candidate when some may fall under the floor, else `limit`
            prefetch=prefetch, query=self._fusion, filter=allowed, limit=2 * n if floored else limit, with_payload=True
        )]
        if floored:  # the sparse candidates rescored by their cosine (n points: no search over the collection)
            requests.append(models.QueryRequest(
                prefetch=[prefetch[1]], query=dense_query, using=dense_using, filter=allowed, limit=n
            ))
        if with_modes:
            requests += [models.QueryRequest(query=q, using=using, filter=allowed, limit=n) for using, q in queries]
        with self._engine() as client:
            found, *more = [r.points for r in client.query_batch_points(self.name, requests=requests)]
        if floored:
            found = common.above_floor(found, more.pop(0), min_similarity, limit)
        if not with_modes:
            return [common.hit_from(p.payload, p.score, ("hybrid",)) for p in found]
        dense_ids, sparse_ids = ({str(p.id) for p in side} for side in more)
        return [common.hit_from(p.payload, p.score, common.modes_of(str(p.id), dense_ids, sparse_ids)) for p in found]

    def _delete(self, where: models.Filter) -> None:
        with self._engine() as client:
            client.delete(self.name, points_selector=models.FilterSelector(filter=where), wait=True)

    def _ensure_collection(self, dim: int, *, payload_indexes: bool) -> None:
        """Create the collection unless it exists; an existing one is not checked, so a wrong `dim` fails later.

        Local mode has no payload indexes (it scans), so they are made only on a server.
        """
        if not self._client.collection_exists(self.name):
            try:
                self._client.create_collection(
                    self.name,
                    vectors_config={DENSE: models.VectorParams(size=dim, distance=models.Distance.COSINE)},
                    sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                )
            except Exception:  # another process may have created it since we looked
                if not self._client.collection_exists(self.name):
                    raise
        if not payload_indexes:
            return
        schema = self._client.get_collection(self.name).payload_schema
        for field in common.INDEXED_FIELDS:
            if field not in schema:
                index = models.IntegerIndexParams(type=models.IntegerIndexType.INTEGER, lookup=True, range=False)
                self._client.create_payload_index(self.name, field, field_schema=index, wait=True)


def _point(p: IndexPoint) -> models.PointStruct:
    vectors = {DENSE: list(p.dense), SPARSE: _sparse(p.sparse)}
    return models.PointStruct(id=p.id, vector=vectors, payload=common.point_payload(p))


def _sparse(vector: SparseVector) -> models.SparseVector:
    return models.SparseVector(indices=list(vector.indices), values=list(vector.values))


def _nearest(mode: str, dense: Sequence[float], sparse: SparseVector) -> tuple[str, list[float] | models.SparseVector]:
    """The vector name and query of one retriever."""
    return (DENSE, list(dense)) if mode == DENSE else (SPARSE, _sparse(sparse))


def _allowed(collections: Sequence[int]) -> models.Filter:
    """The permission filter: only points of these collections may be scored at all."""
    allowed = models.MatchAny(any=list(collections))
    return models.Filter(must=[models.FieldCondition(key="collection_id", match=allowed)])


def _equals(key: str, value: int) -> models.FieldCondition:
    return models.FieldCondition(key=key, match=models.MatchValue(value=value))
