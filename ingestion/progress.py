"""Stage and percentage of an ingest, written on the Document row for the admin and the API.

Rows are written by web and worker alike, so every write is a transition of `Document.objects`
(`webapp.documents.states`).
The percentage spans the whole pipeline: parsing 0–30 (pages read; blocks stream through the chunker
into chunk rows as they come, so a document goes from parsing straight to embedding), embedding 30–100 (chunks embedded and indexed).
Percentages are written at most every MIN_INTERVAL_S, so a fast document costs a handful of writes.
"""

import time
from collections.abc import Callable, Iterator

from ingestion.types import Block, ParsedFile
from retrieval import throttle
from webapp.documents.models import Document

PARSE_END = 30.0
MIN_INTERVAL_S = 0.5

_last_write: dict[int, float] = {}


def stage(document: Document, status: str, percent: float) -> None:
    document.stage = status
    Document.objects.advance(document.pk, status, percent)
    entered(document.pk)


def entered(document_id: int) -> None:
    """A stage was just entered (by `stage`, or with the start of an attempt): the next percentage may wait."""
    _last_write[document_id] = time.monotonic()


def _percent(document: Document, percent: float) -> None:
    now = time.monotonic()
    if now - _last_write.get(document.pk, 0.0) >= MIN_INTERVAL_S:
        Document.objects.report(document.pk, round(percent, 1))
        _last_write[document.pk] = now


def track_pages(document: Document, parsed: ParsedFile, check: Callable[[], None]) -> Iterator[Block]:
    """Pass blocks through, reporting pages parsed out of the page count when the format has pages.

    `check` runs before each block, so a time limit or a lost lease stops a long parse between pages.
    """
    for block in parsed.blocks:
        check()
        if parsed.page_count and block.page:
            _percent(document, PARSE_END * min(block.page / parsed.page_count, 1.0))
        yield block


def embedded(document: Document, done: int, total: int) -> None:
    _percent(document, PARSE_END + (100.0 - PARSE_END) * done / max(total, 1) * 0.99)


def forget(document_id: int) -> None:
    _last_write.pop(document_id, None)


def yield_to_answers() -> None:
    throttle.wait_while_answering()
