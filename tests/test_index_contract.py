"""The VectorIndex contract, run against every backend: the embedded engine, and qdrant-client's local mode
standing in for a Qdrant server. Real engines on tmp folders, 8-dimensional vectors, no mocks, no database;
and a server URL where nothing listens, for what a Qdrant server that is down looks like.
"""

import threading
import uuid

import pytest

from ingestion.pipeline import TRANSIENT
from retrieval.index import collection_name, open_index
from retrieval.index.base import MODES, IndexUnreachable
from retrieval.index.edge import EdgeIndex
from retrieval.index.server import ServerIndex
from retrieval.types import IndexPoint, SparseVector
from tests.services import free_port

DIM = 8
NAME = "chunks_test_8"
ALLOWED, OTHER = 1, 2  # collection ids: the one the reader may see, and one they may not


def e(i: int, *, sign: float = 1.0, lean: int | None = None) -> list[float]:
    """Unit vector i, optionally leaning a little towards axis `lean` (so several points can be near one axis)."""
    v = [0.0] * DIM
    v[i] = sign
    if lean is not None:
        v[lean] = 0.3
    return v


def terms(*indices: int) -> SparseVector:
    return SparseVector(indices=list(indices), values=[1.0] * len(indices))


def point(doc: int, ordinal: int, *, dense, sparse, collection=ALLOWED, version=1) -> IndexPoint:
    return IndexPoint(
        id=str(uuid.uuid5(uuid.NAMESPACE_OID, f"{doc}/{version}/{ordinal}")),
        dense=dense,
        sparse=sparse,
        document_id=doc,
        collection_id=collection,
        chunk_id=doc * 1000 + version * 100 + ordinal,
        ordinal=ordinal,
        version=version,
    )


@pytest.fixture(params=["edge", "server"])
def open_backend(request, tmp_path):
    """Opens the backend under test on this test's folder; every index it opened is closed afterwards."""
    opened = []

    def _open(**options):
        if request.param == "edge":
            index = EdgeIndex(root=tmp_path, name=NAME, dim=DIM, **options)
        else:
            index = ServerIndex(name=NAME, dim=DIM, path=tmp_path, **options)
        opened.append(index)
        return index

    yield _open
    for index in opened:
        index.close()


@pytest.fixture
def index(open_backend):
    return open_backend()


def search(index, *, dense=None, sparse=None, allowed=(ALLOWED,), limit=5, mode="hybrid", **kwargs):
    dense = dense if dense is not None else e(0)
    sparse = sparse if sparse is not None else terms(7)
    return index.search(dense=dense, sparse=sparse, allowed_collections=list(allowed), limit=limit, mode=mode, **kwargs)


def seed_one_sided(index) -> tuple[int, int]:
    """Doc 10 matches the query only densely (vector e0, no shared term); doc 20 only sparsely (term 7, vector
    -e0). 25 fillers lean towards e0 so doc 20 falls outside the dense candidates, and share no query term.
    """
    fillers = [point(30 + i, 0, dense=e(0, lean=1 + i % 7), sparse=terms(100 + i)) for i in range(25)]
    index.upsert([
        point(10, 0, dense=e(0), sparse=terms(50)),
        point(20, 0, dense=e(0, sign=-1.0), sparse=terms(7)),
        *fillers,
    ])
    return 10, 20


# --- writing --------------------------------------------------------------------------------------------


def test_count_counts_every_point_and_each_documents_points(index):
    index.upsert([point(1, 0, dense=e(0), sparse=terms(1)), point(1, 1, dense=e(1), sparse=terms(2)),
                  point(2, 0, dense=e(2), sparse=terms(3))])

    assert index.count() == 3
    assert index.count(document_id=1) == 2
    assert index.count(document_id=99) == 0


def test_upserting_the_same_ids_again_replaces_points_without_duplicating_them(index):
    index.upsert([point(1, 0, dense=e(0), sparse=terms(1)), point(1, 1, dense=e(1), sparse=terms(2))])
    index.upsert([point(1, 0, dense=e(3), sparse=terms(4)), point(1, 1, dense=e(1), sparse=terms(2))])

    assert index.count() == 2
    [best] = search(index, dense=e(3), mode="dense", limit=1)
    assert (best.document_id, best.ordinal) == (1, 0)


def test_delete_document_removes_every_version_of_that_document_and_nothing_else(index):
    versions = [point(1, 0, dense=e(0), sparse=terms(1), version=v) for v in (1, 2)]
    index.upsert([*versions, point(2, 0, dense=e(1), sparse=terms(2))])

    index.delete_document(1)

    assert index.count(document_id=1) == 0
    assert index.count() == 1


def test_delete_document_versions_keeps_only_the_given_version(index):
    old = [point(1, i, dense=e(i), sparse=terms(i), version=1) for i in range(3)]
    new = [point(1, i, dense=e(i), sparse=terms(i), version=2) for i in range(2)]
    index.upsert([*old, *new, point(2, 0, dense=e(5), sparse=terms(5), version=1)])

    index.delete_document_versions(1, keep=2)

    assert index.count(document_id=1) == 2
    assert index.count(document_id=2) == 1, "another document's version 1 is untouched"
    assert {h.chunk_id // 100 % 10 for h in search(index, mode="dense", limit=10) if h.document_id == 1} == {2}


def test_scroll_gives_back_every_point_with_its_vectors_and_payload_across_pages(index):
    written = [point(d, o, dense=e(o % DIM), sparse=terms(o, 50 + d), version=2) for d in (1, 2, 3) for o in range(5)]
    index.upsert(written)
    read = {p.id: p for p in index.scroll(batch=4)}
    assert set(read) == {p.id for p in written}
    for p in written:  # cosine vectors come back unit length (these already are)
        got = read[p.id]
        assert got.dense == pytest.approx(p.dense) and got.sparse.indices == p.sparse.indices
        assert (got.document_id, got.collection_id, got.chunk_id, got.ordinal, got.version) == (
            p.document_id, p.collection_id, p.chunk_id, p.ordinal, p.version)
    assert {p.document_id for p in index.scroll(document_ids=[1, 3], batch=2)} == {1, 3}


def test_points_survive_closing_and_reopening(open_backend):
    first = open_backend()
    first.upsert([point(1, 0, dense=e(0), sparse=terms(1))])
    first.close()

    assert open_backend().count() == 1


def test_drop_removes_the_collection_so_a_new_one_starts_empty(open_backend):
    first = open_backend()
    first.upsert([point(1, 0, dense=e(0), sparse=terms(1))])
    first.drop()
    first.close()

    assert open_backend().count() == 0


def test_optimize_keeps_every_point_findable(index):
    index.upsert([point(1, i, dense=e(i), sparse=terms(i)) for i in range(DIM)])

    assert isinstance(index.optimize(), bool)
    assert index.count() == DIM
    assert [h.ordinal for h in search(index, dense=e(3), mode="dense", limit=1)] == [3]


# --- searching ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_search_returns_hits_best_first_with_their_scores(index, mode):
    index.upsert([point(i, 0, dense=e(0, lean=i), sparse=terms(7, 10 + i)) for i in range(1, 6)])

    hits = search(index, mode=mode)

    assert len(hits) == 5
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert all(h.modes == (mode,) for h in hits)


def test_dense_search_ranks_the_nearest_point_first(index):
    index.upsert([point(1, 0, dense=e(1), sparse=terms(1)), point(2, 0, dense=e(2), sparse=terms(2))])

    assert [h.document_id for h in search(index, dense=e(2), mode="dense")] == [2, 1]


def test_sparse_search_returns_only_points_that_share_a_query_term(index):
    index.upsert([point(1, 0, dense=e(0), sparse=terms(1, 7)), point(2, 0, dense=e(0), sparse=terms(2))])

    assert [h.document_id for h in search(index, sparse=terms(7), mode="sparse")] == [1]


def test_hybrid_finds_a_point_that_only_the_sparse_side_matches(index):
    _, sparse_only = seed_one_sided(index)

    hits = search(index, limit=2, with_modes=True)

    assert [h.modes for h in hits if h.document_id == sparse_only] == [("sparse",)]


def test_hybrid_finds_a_point_that_only_the_dense_side_matches(index):
    dense_only, _ = seed_one_sided(index)

    hits = search(index, limit=2, with_modes=True)

    assert [h.modes for h in hits if h.document_id == dense_only] == [("dense",)]


def test_hybrid_names_both_retrievers_when_both_found_the_hit(index):
    index.upsert([point(1, 0, dense=e(0), sparse=terms(7))])

    [hit] = search(index, with_modes=True)

    assert hit.modes == ("dense", "sparse")


def test_hybrid_labels_hits_hybrid_unless_asked_for_modes(index):
    seed_one_sided(index)

    assert {h.modes for h in search(index)} == {("hybrid",)}


def test_dbsf_fusion_also_finds_both_one_sided_points(open_backend):
    index = open_backend(fusion="dbsf")
    dense_only, sparse_only = seed_one_sided(index)

    assert {h.document_id for h in search(index, limit=2)} == {dense_only, sparse_only}


def test_an_unknown_mode_or_fusion_is_refused(open_backend):
    with pytest.raises(ValueError):
        open_backend(fusion="max")
    with pytest.raises(ValueError):
        search(open_backend(), mode="keyword")


# --- permissions ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_a_point_of_a_collection_not_allowed_never_appears_even_as_the_exact_best_match(index, mode):
    index.upsert([
        point(1, 0, dense=e(0), sparse=terms(7), collection=OTHER),  # the query's exact match
        *[point(2, i, dense=e(1 + i), sparse=terms(7, 20 + i)) for i in range(3)],
    ])

    hits = search(index, mode=mode, limit=10)

    assert {h.collection_id for h in hits} == {ALLOWED}
    assert len(hits) == 3


@pytest.mark.parametrize("mode", MODES)
def test_an_empty_allowed_list_returns_nothing(index, mode):
    index.upsert([point(1, 0, dense=e(0), sparse=terms(7))])

    assert search(index, mode=mode, allowed=()) == []


def test_searches_and_upserts_from_several_threads_do_not_interfere(index):
    index.upsert([point(1, i, dense=e(i % DIM), sparse=terms(7, 100 + i)) for i in range(20)])
    errors = []

    def work(n):
        try:
            for i in range(10):
                index.upsert([point(100 + n, i, dense=e(i % DIM), sparse=terms(i))])
                assert search(index, limit=3)
        except Exception as error:  # collected, so the test fails in the main thread with the cause
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    assert index.count() == 60


# --- a server that is away ------------------------------------------------------------------------------


@pytest.mark.parametrize("call", [
    lambda index: index.upsert([point(1, 0, dense=e(0), sparse=terms(1))]),
    lambda index: search(index, mode="hybrid"),
    lambda index: search(index, mode="dense"),
], ids=["upsert", "hybrid search", "dense search"])
def test_a_server_that_cannot_be_reached_raises_a_transient_error_naming_its_url(call):
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there: connection refused
    index = ServerIndex(name=NAME, dim=DIM, url=url)  # opening does not contact the server
    try:
        with pytest.raises(IndexUnreachable) as raised:
            call(index)
    finally:
        index.close()
    assert isinstance(raised.value, TRANSIENT)
    assert url in str(raised.value) and "QDRANT_URL" in str(raised.value)


# --- choosing a backend ---------------------------------------------------------------------------------


def test_open_index_without_a_url_opens_the_embedded_engine_in_a_folder_per_collection(tmp_path):
    index = open_index(name=NAME, dim=DIM, path=tmp_path)
    try:
        assert isinstance(index, EdgeIndex)
        assert (tmp_path / NAME).is_dir()
    finally:
        index.close()


def test_open_index_without_a_url_or_a_folder_is_refused():
    with pytest.raises(ValueError):
        open_index(name=NAME, dim=DIM)


def test_a_second_edge_index_on_the_same_folder_is_refused_with_a_clear_message(tmp_path):
    first = EdgeIndex(root=tmp_path, name=NAME, dim=DIM)
    first.upsert([point(1, 0, dense=e(0), sparse=terms(1))])
    try:
        with pytest.raises(RuntimeError, match="one process per folder"):
            EdgeIndex(root=tmp_path, name=NAME, dim=DIM)
    finally:
        first.close()


def test_collection_name_is_a_safe_slug_of_the_model_and_dimension():
    assert collection_name("sentence-transformers/all-MiniLM-L6-v2", 384) == "chunks_all_minilm_l6_v2_384"
    assert collection_name("Modelo Ção/v2", 512) == "chunks_v2_512"
