"""`figures.batched()`: an ingest's figures wait for the end of its block and then all reach Redis, in one round trip,
even when the block raises; outside a block each figure goes at once."""

import uuid

import pytest

from webapp.observability import figures


@pytest.fixture
def outcome():
    return f"test-{uuid.uuid4().hex[:8]}"  # a label value of its own, whatever else this run counted


def recorded(outcome: str) -> float:
    field = figures.label_field(figures.FIGURES["ingest_documents_total"], {"outcome": outcome})
    return figures.stored("ingest_documents_total").get(field, 0.0)


def test_figures_of_a_batched_block_are_written_together_when_it_ends(outcome):
    with figures.batched():
        figures.count("ingest_documents_total", outcome=outcome)
        with figures.batched():  # nested: joins the outer block
            figures.count("ingest_documents_total", 2, outcome=outcome)
        assert recorded(outcome) == 0
    assert recorded(outcome) == 3
    figures.count("ingest_documents_total", outcome=outcome)
    assert recorded(outcome) == 4


def test_a_block_that_raises_still_writes_its_figures(outcome):
    with pytest.raises(ValueError), figures.batched():
        figures.count("ingest_documents_total", outcome=outcome)
        raise ValueError
    assert recorded(outcome) == 1
