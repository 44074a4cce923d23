from retrieval.citations import resolve_citations
from retrieval.types import Passage


def passage(n: int) -> Passage:
    return Passage(n=n, chunk_id=n, document_id=1, collection_id=1, title="t", text="x", page=None, location="",
                   heading_path="", char_start=0, char_end=1, score=1.0)


def test_single_lists_and_ranges_resolve_to_their_sources():
    result = resolve_citations("A [1]. B [2, 3]. C [1-3].", [passage(1), passage(2), passage(3)])
    assert result.cited == [1, 2, 3]
    assert result.text == "A [1]. B [2][3]. C [1][2][3]."
    assert result.dropped_markers == 0


def test_a_marker_naming_no_source_is_removed_and_counted():
    result = resolve_citations("Thirty days [7]. Reimbursed [2].", [passage(1), passage(2)])
    assert result.text == "Thirty days. Reimbursed [2]."
    assert result.cited == [2] and result.dropped_markers == 1


def test_text_in_brackets_that_is_not_a_number_is_left_alone():
    result = resolve_citations("See [the annex] and [1].", [passage(1)])
    assert result.text == "See [the annex] and [1]." and result.cited == [1]
