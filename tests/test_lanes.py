"""A document alone in the worker embeds several batches at once on the lanes other ingests leave idle
(ingestion.lanes): lanes are lent only when idle, never waited for, given back after the round, and a round's
batches come back in order, with an error raised only once every batch has ended."""

import threading
import time

import pytest

from ingestion import lanes
from retrieval import throttle


@pytest.fixture(autouse=True)
def two_lanes(settings):
    settings.INGEST_CONCURRENCY = 2


def test_a_document_alone_borrows_the_idle_lane():
    with lanes.ingesting(), lanes.spare(5) as extra:
        assert extra == 1


def test_no_lane_is_lent_while_another_document_holds_it():
    with lanes.ingesting(), lanes.ingesting(), lanes.spare(5) as extra:
        assert extra == 0


def test_a_lent_lane_is_not_lent_twice_and_comes_back_after_the_round():
    with lanes.ingesting():
        with lanes.spare(1) as first, lanes.spare(1) as second:
            assert (first, second) == (1, 0)
        with lanes.spare(1) as again:
            assert again == 1


def test_no_lane_is_lent_while_an_answer_is_being_written():
    with lanes.ingesting(), throttle.answering(), lanes.spare(5) as extra:
        assert extra == 0
    with lanes.ingesting(), lanes.spare(5) as extra:
        assert extra == 1


def test_a_document_that_wants_no_more_lanes_gets_none():
    with lanes.ingesting(), lanes.spare(0) as extra:
        assert extra == 0


def test_a_rounds_batches_run_at_once_and_come_back_in_order():
    started = threading.Barrier(2, timeout=5)  # both batches must be running together to pass it

    def work(n):
        started.wait()
        return n * 10

    with lanes.ingesting(), lanes.spare(1) as extra:
        assert extra == 1
        assert lanes.run_all(work, [1, 2]) == [10, 20]


def test_an_error_in_one_batch_is_raised_after_the_others_have_ended():
    ended = []

    def work(n):
        if n == 1:
            raise ValueError("batch 1 failed")
        time.sleep(0.2)
        ended.append(n)

    with pytest.raises(ValueError, match="batch 1 failed"):
        lanes.run_all(work, [1, 2])
    assert ended == [2]


def test_a_single_batch_runs_in_the_callers_thread():
    assert lanes.run_all(lambda n: threading.current_thread(), [1]) == [threading.current_thread()]
