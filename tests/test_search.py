"""search_passages beyond permissions: the relevance floor, spreading results over pages, and neighbours.
Real pipeline, embedding model and embedded index in a folder of the test's own; `spread` is pure."""

import pytest

from retrieval.search import MAX_PER_PAGE, search_passages, spread
from retrieval.types import Hit
from tests.conftest import indexed
from webapp.documents.models import Chunk

PARAGRAPHS = [
    f"Section {n}. " + " ".join(f"{topic} rule {n} applies to every {topic} request this quarter." for _ in range(12))
    for n, topic in enumerate(["parking", "laptops", "badges", "catering"], start=1)
]


def candidate(chunk_id: int, document_id: int, text: str, page: int | None = 1) -> tuple[Hit, Chunk]:
    hit = Hit(chunk_id=chunk_id, document_id=document_id, collection_id=1, ordinal=chunk_id, score=1.0 / chunk_id)
    return hit, Chunk(pk=chunk_id, document_id=document_id, ordinal=chunk_id, text=text, page=page)


# --- spreading (pure) ------------------------------------------------------------------------------------


def test_a_page_gives_at_most_max_per_page_passages_before_the_others_get_a_turn():
    same_page = [candidate(i, 1, f"distinct text number {i} about badges and doors") for i in range(1, 5)]
    other = candidate(9, 2, "parking is in the north lot")

    chosen = spread([*same_page, other], limit=4)

    assert [c.pk for _, c in chosen] == [*range(1, MAX_PER_PAGE + 1), 9, MAX_PER_PAGE + 1][:4]


def test_a_crowded_page_still_fills_the_list_when_nothing_else_is_left():
    same_page = [candidate(i, 1, f"distinct text number {i} about badges and doors") for i in range(1, 5)]

    assert [c.pk for _, c in spread(same_page, limit=4)] == [1, 2, 3, 4]


def test_repeated_boilerplate_of_one_document_and_the_same_text_elsewhere_are_shown_once():
    footer = ("Confidential. Property of ACME Ltd. Do not distribute, copy or forward this document without the "
              "written permission of the legal department, which keeps the original and answers questions about it.")
    ranked = [
        candidate(1, 1, footer + " Page 1", page=1),
        candidate(2, 1, footer + " Page 2", page=2),  # near-duplicate in the same document
        candidate(3, 2, footer + " Page 1", page=1),  # the very same text in another document
        candidate(4, 3, footer + " Page 7 of the 2025 edition", page=1),  # close, but another document: kept
    ]

    assert [c.pk for _, c in spread(ranked, limit=10)] == [1, 4]


# --- floor and neighbours (real index) -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_floor_above_any_similarity_empties_dense_and_hybrid_results_but_not_a_sparse_search(own_index, handbook):
    indexed(handbook, "rules", "\n\n".join(PARAGRAPHS))
    ask = dict(collection_ids=[handbook.pk], limit=5)

    assert search_passages("laptops rule", mode="hybrid", floor=0.0, **ask)
    assert search_passages("laptops rule", mode="hybrid", floor=0.999, **ask) == []
    assert search_passages("laptops rule", mode="dense", floor=0.999, **ask) == []
    assert search_passages("laptops rule", mode="sparse", floor=0.999, **ask)


