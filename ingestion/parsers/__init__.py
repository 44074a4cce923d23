"""One parser per format, chosen from the detected type (content, not extension).

`parse_file(path)` returns a `ParsedFile` or raises `ParseError` with a reason a person can act on.
Parser modules are imported lazily: each pulls in its own heavy library only when that format arrives.
"""

import importlib
import itertools
import logging
from collections.abc import Iterable, Iterator
from pathlib import Path

from ingestion import limits
from ingestion.archive import check_expansion
from ingestion.detect import detect_type
from ingestion.limits import Interrupted
from ingestion.titles import usable_title
from ingestion.types import Block, ParsedFile, ParseError

log = logging.getLogger(__name__)

# detected type -> module in this package that has `parse(path: Path) -> ParsedFile`
PARSERS: dict[str, str] = {
    "text": "text",
    "markdown": "text",
    "csv": "delimited",
    "html": "webpage",
    "eml": "mail",
    "msg": "mail",
    "pdf": "pdf",
    "image": "image",
    "docx": "word",
    "pptx": "slides",
    "xlsx": "xlsx",
    "xls": "xls",
    "odt": "opendocument",
    "ods": "opendocument",
    "odp": "opendocument",
    "rtf": "rtf",
    "epub": "epub",
    "doc": "legacy",
    "ppt": "legacy",
    "wordperfect": "legacy",
    # not recognised here: tried through LibreOffice (WordPerfect in a compound file, Works, Write...) before refusing
    "ole": "legacy",
    "binary": "legacy",
    # recognised but unreadable: accepted so the document fails with the real reason, not "unsupported"
    "encrypted-ooxml": "unreadable",
    "corrupt-zip": "unreadable",
    "corrupt-ole": "unreadable",
    "garbled": "unreadable",
}

ZIP_KINDS = {"docx", "pptx", "xlsx", "odt", "ods", "odp", "epub"}  # checked before a library unpacks them
NO_TEXT = "no text found: the {kind} file has no readable text"
SCAN_HINT = {"pdf", "image", "docx", "pptx", "odt", "odp", "doc", "ppt"}  # formats where the text may be a picture
UNREADABLE = "corrupt: the {kind} file could not be read ({error}); open it in its application, save a new copy and upload that"


def parse_file(path: Path) -> ParsedFile:
    """Parse one file of any supported type.

    Raises ParseError up front when the file is empty, unsupported, encrypted, corrupt, unpacks to more than the
    limits in force allow (ingestion.limits) or has no text. Blocks of a large file (PDF pages) are produced while
    `blocks` is consumed, so memory stays bounded; an unexpected failure at that point is also raised as
    ParseError("corrupt"), and a page that cannot be read is skipped with a note in `warnings`. An Interrupted raised
    at a checkpoint (time limit, document deleted) passes through. Every block yielded has a letter or digit.
    """
    if path.stat().st_size == 0:
        raise ParseError("empty", "no text found: the file is empty (0 bytes)")
    kind = detect_type(path)
    module_name = PARSERS.get(kind)
    if module_name is None:
        raise ParseError(
            "unsupported", f"unsupported file type ({kind}); supported: {', '.join(supported_types())}"
        )
    if kind in ZIP_KINDS:
        check_expansion(path, max_bytes=limits.current().max_unzipped_bytes, kind=kind)
    module = importlib.import_module(f"ingestion.parsers.{module_name}")
    try:
        parsed = module.parse(path)
        blocks = _titled(parsed, _guarded(parsed.blocks, kind))
        first = next(blocks, None)  # an empty document fails here, before anyone counts its pages
    except (ParseError, Interrupted):
        raise
    except Exception as exc:  # a library's own error on a damaged file: the worker must survive it
        log.warning("parsing %s as %s failed", path, kind, exc_info=True)
        raise ParseError("corrupt", UNREADABLE.format(kind=kind.upper(), error=_plain(exc))) from exc
    if first is None:
        hint = "; if it is a scan or a photo, upload a clearer or searchable copy" if kind in SCAN_HINT else ""
        raise ParseError("empty", NO_TEXT.format(kind=kind.upper()) + hint + parsed.warnings.details(first=3))
    parsed.blocks = itertools.chain([first], blocks)
    return parsed


_PSEUDO = {"encrypted-ooxml", "corrupt-zip", "corrupt-ole", "ole", "binary", "garbled"}  # not formats to name as supported


def supported_types() -> list[str]:
    """The formats to name to a person as supported (the kinds, without the internal pseudo-kinds)."""
    return sorted(set(PARSERS) - _PSEUDO)


def _guarded(blocks: Iterable[Block], kind: str) -> Iterator[Block]:
    """Drop blocks with nothing to search for (blank, or bullets and rules only); turn a library error raised mid-document into a ParseError a person can read."""
    try:
        for block in blocks:
            limits.checkpoint()
            if any(ch.isalnum() for ch in block.text):
                yield block
    except (ParseError, Interrupted):
        raise
    except Exception as exc:
        log.warning("parsing a %s file failed part-way", kind, exc_info=True)
        raise ParseError("corrupt", UNREADABLE.format(kind=kind.upper(), error=_plain(exc))) from exc


TITLE_HEADING_WITHIN = 3  # a heading further in names a section, not the document


def _titled(parsed: ParsedFile, blocks: Iterator[Block]) -> Iterator[Block]:
    """Pass the blocks on; when the file states no usable title, take a heading among its first blocks."""
    for i, block in enumerate(blocks):
        if i < TITLE_HEADING_WITHIN and block.kind == "heading" and not usable_title(parsed.title):
            parsed.title = block.text
        yield block


def _plain(exc: Exception) -> str:
    message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__
