"""Chunks fit the embedding model, follow the structure, and point back into the extracted text."""

import pytest

from ingestion.chunking import chunk_blocks, extract_text
from ingestion.types import Block


def words(texts: list[str]) -> list[int]:
    return [len(t.split()) for t in texts]


def chunks_of(blocks, max_tokens=20, overlap=0):
    text, placed = extract_text(blocks)
    return text, list(chunk_blocks(placed, count_tokens=words, max_tokens=max_tokens, overlap_tokens=overlap))


def test_no_chunk_is_longer_than_the_limit_even_for_one_endless_sentence():
    endless = " ".join(f"word{i}" for i in range(500))
    _, chunks = chunks_of([Block(endless)], max_tokens=30)
    assert all(c.token_count <= 30 and len(c.text.split()) <= 30 for c in chunks)
    assert " ".join(c.text for c in chunks).split() == endless.split()


def test_offsets_point_at_the_chunk_text_in_the_extracted_text():
    blocks = [Block("First paragraph here. It has two sentences."), Block("Second paragraph, page two.", page=2)]
    text, chunks = chunks_of(blocks, max_tokens=6)
    for chunk in chunks:
        assert text[chunk.char_start : chunk.char_end].split() == chunk.text.split()


def test_a_new_section_starts_a_new_chunk_and_keeps_its_heading_path():
    blocks = [
        Block("# Vacation", heading_path=("Vacation",), kind="heading"),
        Block("Thirty days per year.", heading_path=("Vacation",)),
        Block("# Expenses", heading_path=("Expenses",), kind="heading"),
        Block("Reimbursed in ten days.", heading_path=("Expenses",)),
    ]
    _, chunks = chunks_of(blocks, max_tokens=100)
    assert [c.heading_path for c in chunks] == [("Vacation",), ("Expenses",)]
    assert "Thirty" in chunks[0].text and "Reimbursed" in chunks[1].text


def test_chunks_spanning_pages_record_first_and_last_page():
    blocks = [Block("one two three", page=1, location="p. 1"), Block("four five six", page=2, location="p. 2")]
    _, chunks = chunks_of(blocks, max_tokens=100)
    assert (chunks[0].page, chunks[0].page_end, chunks[0].location) == (1, 2, "p. 1 – p. 2")


def test_overlap_repeats_the_last_sentences_of_the_previous_chunk():
    sentences = [Block(f"Sentence number {i} ends here.") for i in range(6)]
    _, chunks = chunks_of(sentences, max_tokens=10, overlap=5)
    assert len(chunks) > 2
    for previous, current in zip(chunks, chunks[1:]):
        assert previous.text.split("\n")[-1] == current.text.split("\n")[0]


@pytest.mark.parametrize("max_tokens", [5, 12, 50])
def test_ordinals_are_consecutive(max_tokens):
    _, chunks = chunks_of([Block("a b c d e f g h i j k l m n o p q r s t u v w x y z. " * 5)], max_tokens=max_tokens)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
