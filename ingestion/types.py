"""What flows between the ingestion stages: small frozen records, no library types."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from retrieval.contracts import failures
from retrieval.contracts import warnings as warned
from retrieval.contracts.warnings import FileWarning


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


MAX_WARNINGS = 20


class Warnings(list[FileWarning]):
    """A parser's notes (codes with parameters, retrieval.contracts.warnings), capped: a damaged file can produce
    one per page, and every document list shows them.

    Past MAX_WARNINGS, `append` only counts; `summary()` is what is stored, ending with a `more_warnings` note of
    how many more there were. (Parsers `append`; `insert` is for the one summary a parser wants seen first,
    whatever came before.)
    """

    def __init__(self, items: Iterable[FileWarning] = ()):
        super().__init__()
        self.more = 0
        for item in items:
            self.append(item)

    def append(self, warning: FileWarning) -> None:
        if len(self) < MAX_WARNINGS:
            super().append(warning)
        else:
            self.more += 1

    def summary(self) -> list[FileWarning]:
        if not self.more:
            return list(self)
        return [*self, FileWarning(warned.MORE, f"… and {self.more:,} more warnings", {"n": self.more})]

    def stored(self) -> list[dict]:
        """The summary as `Document.warnings` holds it."""
        return [warning.stored() for warning in self.summary()]

    def details(self, *, first: int) -> str:
        """The first `first` warnings' English details, for a failure's technical detail: " (a; b)", or ""."""
        return f" ({'; '.join(warning.detail for warning in self[:first])})" if self else ""


@dataclass
class ParsedFile:
    """A parser's result. `blocks` may be a generator so large files stream through in bounded memory.

    `warnings` is appended to while `blocks` is consumed (e.g. `page_unreadable` for page 7); `page_count` may be
    corrected then too (a PDF that declares more pages than it has).
    """

    blocks: Iterable[Block]
    page_count: int | None = None
    warnings: Warnings = field(default_factory=Warnings)
    # The document's own title as the file states it (PDF metadata, DOCX/PPTX core properties, HTML <title>), else
    # the heading it starts with (set by parse_file while `blocks` is consumed); "" when it has none worth showing.
    title: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.warnings, Warnings):
            self.warnings = Warnings(self.warnings)


class ParseError(Exception):
    """A permanent failure a person can act on. `reason` is one of REASONS, the code the document is failed with
    (translated by the web); the message is the English technical detail and says what to do."""

    REASONS = failures.PARSE_CODES

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
