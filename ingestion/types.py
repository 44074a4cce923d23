"""What flows between the ingestion stages: small frozen records, no library types."""

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    """A run of extracted text with a single location.

    `page` is the 1-based page, slide or sheet number (None for unpaged formats); `location` is the
    human label shown with a citation ("p. 3", "slide 2 — Title", "Sheet1, rows 2–40").
    """

    text: str
    page: int | None = None
    location: str = ""
    heading_path: tuple[str, ...] = ()
    # heading blocks update the heading path of what follows; table blocks are kept whole when they fit
    kind: str = "text"


@dataclass
class ParsedFile:
    """A parser's result. `blocks` may be a generator so large files stream through in bounded memory.

    `warnings` is appended to while `blocks` is consumed (e.g. "page 7 could not be read: skipped").
    """

    blocks: Iterable[Block]
    page_count: int | None = None
    warnings: list[str] = field(default_factory=list)


class ParseError(Exception):
    """A permanent failure a person can act on. `reason` is one of REASONS; the message says what to do."""

    REASONS = ("encrypted", "corrupt", "empty", "unsupported", "too_large", "converter_missing")

    def __init__(self, reason: str, message: str):
        assert reason in self.REASONS, reason
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass(frozen=True)
class ChunkDraft:
    """A chunk before it has a database id. Offsets point into the document's extracted text."""

    ordinal: int
    text: str
    page: int | None
    page_end: int | None
    location: str
    heading_path: tuple[str, ...]
    char_start: int
    char_end: int
    token_count: int
