"""A bulk load into the embedded index lets questions in between its engine calls (retrieval/index/edge.py): a
1M-passage import must not hold every search until its last point. Real engine on a tmp folder, no mocks."""

import threading

from retrieval.index.edge import ENGINE_CALL_POINTS, EdgeIndex
from tests.test_index_contract import ALLOWED, DIM, NAME, e, point, search, terms


def test_a_search_gets_in_while_a_bulk_upsert_is_still_writing(tmp_path):
    index = EdgeIndex(root=tmp_path, name=NAME, dim=DIM, optimize_every=0)
    points = [point(d, o, dense=e(o % DIM), sparse=terms(o)) for d in range(100) for o in range(100)]
    writer = threading.Thread(target=index.upsert, args=(points,))
    writer.start()
    seen = 0
    while seen == 0 and writer.is_alive():
        seen = index.count()  # takes the same lock as a search: it waits for one engine call, not the whole upsert
    found = search(index, dense=e(0), mode="dense", allowed=(ALLOWED,))
    writer.join()

    assert 0 < seen < len(points), "the search waited for the whole upsert"
    assert seen % ENGINE_CALL_POINTS == 0
    assert found
    assert index.count() == len(points)
    index.close()
