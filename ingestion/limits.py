"""What one uploaded file may cost the worker, and the checkpoint that lets a long parse be stopped.

Parsers run on untrusted files: a 2 KB workbook may declare 17 billion cells, a 1 MB DOCX may unpack to 1 GB, a
small DOCX may hold a million paragraphs. `Limits` holds the caps (the pipeline builds them from settings);
`watching(limits, check)` puts them in force for what this thread parses, and `checkpoint()`, called by parsers in
their inner loops, runs `check` (the time limit, a deleted document), so even a parse that finds no text for a long
time can be stopped. Without `watching`, the defaults apply and `checkpoint()` does nothing.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

MB = 1024 * 1024

TOO_MANY_CHARS = ("too large: the document has more than {limit:,} characters of text (MAX_DOCUMENT_CHARS); "
                  "split it into smaller files or raise the limit")
TOO_MANY_CHUNKS = ("too large: the document makes more than {limit:,} passages (MAX_DOCUMENT_CHUNKS); "
                   "split it into smaller files or raise the limit")


@dataclass(frozen=True)
class Limits:
    max_unzipped_bytes: int = 256 * MB  # MAX_UNZIPPED_MB
    max_chars: int = 10_000_000  # MAX_DOCUMENT_CHARS
    max_chunks: int = 20_000  # MAX_DOCUMENT_CHUNKS

    @classmethod
    def from_settings(cls) -> "Limits":
        from django.conf import settings

        return cls(max_unzipped_bytes=settings.MAX_UNZIPPED_MB * MB, max_chars=settings.MAX_DOCUMENT_CHARS,
                   max_chunks=settings.MAX_DOCUMENT_CHUNKS)


class Interrupted(Exception):
    """Raised by a `check` to stop a parse (time limit, document deleted): parsers must let it through."""


_watch: ContextVar[tuple[Limits, Callable[[], None] | None]] = ContextVar("ingest_watch", default=(Limits(), None))


@contextmanager
def watching(limits: Limits, check: Callable[[], None] | None = None) -> Iterator[None]:
    token = _watch.set((limits, check))
    try:
        yield
    finally:
        _watch.reset(token)


def current() -> Limits:
    return _watch.get()[0]


def checkpoint() -> None:
    """Where a parser may be stopped: raises what `check` raises (an Interrupted)."""
    check = _watch.get()[1]
    if check is not None:
        check()
