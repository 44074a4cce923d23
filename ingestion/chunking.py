"""Token-aware chunking that follows the document's structure.

A chunk never exceeds `max_tokens` of the embedding model's own tokenizer (a longer one would be
silently truncated by the model), breaks on structure first (sections, then paragraphs, then
sentences, then words — never inside a word) and remembers page, location, heading path and its
character span in the extracted text, so a citation can point to and highlight it.
"""

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ingestion.limits import TOO_MANY_CHARS
from ingestion.types import Block, ChunkDraft, ParseError

SEPARATOR = "\n\n"
SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
CountTokens = Callable[[list[str]], list[int]]


@dataclass(frozen=True)
class _Unit:
    """A piece of text that is never split further, with its place in the extracted text."""

    text: str
    start: int
    tokens: int
    block: Block

    @property
    def end(self) -> int:
        return self.start + len(self.text)


class ExtractedText:
    """A document's extracted text, built while its blocks stream past on their way to the chunker.

    `place(blocks)` yields each non-empty block (stripped) with its start offset in the text; `str()` is the
    whole text once they have passed. Only the text is kept, not the blocks. Past `max_chars` characters it raises
    ParseError("too_large") naming MAX_DOCUMENT_CHARS: the text is held whole, so it must be bounded.
    """

    def __init__(self, max_chars: int | None = None) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._max_chars = max_chars

    def place(self, blocks: Iterable[Block]) -> Iterator[tuple[int, Block]]:
        for block in blocks:
            text = block.text.strip()
            if not text:
                continue
            if self._parts:
                self._parts.append(SEPARATOR)
                self._length += len(SEPARATOR)
            start = self._length
            if self._max_chars is not None and start + len(text) > self._max_chars:
                raise ParseError("too_large", TOO_MANY_CHARS.format(limit=self._max_chars))
            self._parts.append(text)
            self._length += len(text)
            yield start, Block(text, block.page, block.location, block.heading_path, block.kind)

    def __str__(self) -> str:
        return "".join(self._parts)


def extract_text(blocks: Iterable[Block]) -> tuple[str, list[tuple[int, Block]]]:
    """Join blocks into the document's extracted text; return it with each block's start offset."""
    extracted = ExtractedText()
    placed = list(extracted.place(blocks))
    return str(extracted), placed


def chunk_blocks(
    placed: Iterable[tuple[int, Block]], *, count_tokens: CountTokens, max_tokens: int, overlap_tokens: int
) -> Iterator[ChunkDraft]:
    """Pack structure-split units into chunks of at most `max_tokens`, with overlap inside a section."""
    current: list[_Unit] = []
    ordinal = 0
    for unit in _units(placed, count_tokens, max_tokens):
        new_section = current and unit.block.heading_path != current[-1].block.heading_path
        if current and (new_section or _tokens(current) + unit.tokens > max_tokens):
            yield _draft(ordinal, current)
            ordinal += 1
            current = [] if new_section or unit.block.kind == "heading" else _tail(current, overlap_tokens)
            while current and _tokens(current) + unit.tokens > max_tokens:
                current.pop(0)
        current.append(unit)
    if current:
        yield _draft(ordinal, current)


def _units(placed: Iterable[tuple[int, Block]], count_tokens: CountTokens, max_tokens: int) -> Iterator[_Unit]:
    for start, block in placed:
        for text, offset, tokens in _pieces(block.text, start, count_tokens, max_tokens):
            yield _Unit(text, offset, tokens, block)


def _pieces(text: str, start: int, count_tokens: CountTokens, max_tokens: int) -> list[tuple[str, int, int]]:
    """A block as (text, offset, tokens) pieces that each fit: whole, else sentences, else word windows.

    Each sentence is counted once, all of a block's in one call, and a block counts the sum of its sentences:
    the models' tokenizers split on whitespace first, so no token spans two sentences. (Counting the block,
    then its sentences, then the units again tokenized most text three times: with a pure-Python tokenizer
    that cost more than embedding.)
    """
    spans = list(_spans(text, SENTENCE_END)) or [(text, 0)]
    counts = count_tokens([sentence for sentence, _ in spans])
    if sum(counts) <= max_tokens:
        return [(text, start, sum(counts))]
    pieces = []
    for (sentence, offset), tokens in zip(spans, counts, strict=True):
        if tokens <= max_tokens:
            pieces.append((sentence, start + offset, tokens))
        else:
            pieces.extend((w, start + offset + o, t) for w, o, t in _word_windows(sentence, count_tokens, max_tokens))
    return pieces


def _spans(text: str, pattern: re.Pattern) -> Iterator[tuple[str, int]]:
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            yield text[position : match.start()], position
        position = match.end()
    if position < len(text):
        yield text[position:], position


def _word_windows(text: str, count_tokens: CountTokens, max_tokens: int) -> Iterator[tuple[str, int, int]]:
    """Cut an over-long sentence between words, shrinking each window until it fits the model."""
    words = [(m.group(), m.start()) for m in re.finditer(r"\S+", text)]
    i = 0
    while i < len(words):
        size = min(len(words) - i, max(1, max_tokens // 2))
        while True:
            first, last = words[i], words[i + size - 1]
            piece = text[first[1] : last[1] + len(last[0])]
            tokens = count_tokens([piece])[0]
            if size == 1 or tokens <= max_tokens:
                break
            size = max(1, size * 3 // 4)
        yield piece, first[1], tokens
        i += size


def _tokens(units: list[_Unit]) -> int:
    return sum(u.tokens for u in units)


def _tail(units: list[_Unit], overlap_tokens: int) -> list[_Unit]:
    """The last units of a chunk that fit in the overlap, repeated at the start of the next one."""
    tail: list[_Unit] = []
    for unit in reversed(units):
        if _tokens(tail) + unit.tokens > overlap_tokens:
            break
        tail.insert(0, unit)
    return tail if len(tail) < len(units) else []


def _draft(ordinal: int, units: list[_Unit]) -> ChunkDraft:
    pages = [u.block.page for u in units if u.block.page is not None]
    locations = list(dict.fromkeys(u.block.location for u in units if u.block.location))
    location = " – ".join(locations[:1] + locations[1:][-1:])
    return ChunkDraft(
        ordinal=ordinal,
        text="\n".join(u.text for u in units),
        page=min(pages) if pages else None,
        page_end=max(pages) if pages else None,
        location=location,
        heading_path=units[-1].block.heading_path,
        char_start=units[0].start,
        char_end=units[-1].end,
        token_count=_tokens(units),
    )
