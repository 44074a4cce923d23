"""A restore or a collection import writing points in the worker steps aside while an answer is being written there,
as ingestion does: on two cores a bulk load beside the model slows the answer (bench/retrieval.py). Real embedded
index on a tmp folder, real point files, the real throttle; no database."""

import threading
import uuid

from retrieval import throttle
from retrieval.index import open_index
from retrieval.types import IndexPoint, SparseVector
from webapp.operations import points as files
from webapp.operations.index_access import index_import

DIM = 8


def exported(folder, n: int) -> None:
    files.points_write(folder, (
        IndexPoint(id=str(uuid.UUID(int=i + 1)), dense=[1.0] + [0.0] * (DIM - 1),
                   sparse=SparseVector(indices=[i], values=[1.0]), document_id=i // 10, collection_id=1,
                   chunk_id=i, ordinal=i % 10, version=1)
        for i in range(n)
    ))


def test_an_import_waits_for_the_answer_being_written_then_loads_everything(tmp_path):
    exported(tmp_path / "export", 3 * files.PAGE)
    index = open_index(name="steps_aside", dim=DIM, path=tmp_path / "index")
    done = threading.Event()
    result = {}

    def load():
        result.update(index_import(index, {"dim": DIM}, folder=str(tmp_path / "export")))
        done.set()

    try:
        with throttle.answering():
            loader = threading.Thread(target=load, daemon=True)
            loader.start()
            assert not done.wait(0.5), "the import ran while an answer was being written"
            assert index.count() == 0
        assert done.wait(30), "the import did not go on once the answer had ended"
        loader.join()
        assert result["points"] == index.count() == 3 * files.PAGE
    finally:
        index.close()


def test_an_import_with_no_answer_running_does_not_wait(tmp_path):
    exported(tmp_path / "export", 10)
    index = open_index(name="steps_aside", dim=DIM, path=tmp_path / "index")
    try:
        assert index_import(index, {"dim": DIM}, folder=str(tmp_path / "export"))["points"] == index.count() == 10
    finally:
        index.close()
