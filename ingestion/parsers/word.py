"""Word 2007+ documents (.docx): headings become the heading path, lists keep their markers, tables their rows.

Body content is read in document order: paragraphs (with tracked insertions, fields, inline content controls),
tables (merged and short rows, rows inside content controls; a nested table's text stays in its cell), content
controls (forms), text boxes, HTML chunks embedded with altChunk, and pictures big enough to hold text (OCR,
ingestion.parsers.pictures). Footnotes, endnotes, headers/footers (once) and chart labels follow the body.
Text is read from the XML itself, not through python-docx's objects, which miss text inside wrappers and raise
on odd styles; an element that still cannot be read is skipped with a warning, never fails the whole file.
DOCX has no fixed pages (they depend on the printer), so blocks carry no page number.
"""

import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ingestion import limits
from ingestion.parsers.office_xml import chart_text, part_text
from ingestion.parsers.pictures import PictureReader
from ingestion.parsers.tables import table_blocks
from ingestion.parsers.word_styles import NS, Styles, xp
from ingestion.titles import core_title
from ingestion.types import Block, ParsedFile, ParseError, Warnings
from retrieval.contracts import warnings as W
from retrieval.contracts.warnings import FileWarning

CORRUPT = ("corrupt: the Word document is damaged or truncated ({detail}); open it in Word or LibreOffice, "
           "save a new copy and upload that")
SKIPPED = "{what} could not be read ({error}): skipped"
# the parts skipped one by one (retrieval.contracts.warnings.PARTS), as the English detail names them
PART_NAMES = {"paragraph": "paragraph {number}", "table": "table {number}",
              "paragraph_pictures": "pictures of paragraph {number}", "table_pictures": "pictures of table {number}",
              "footnotes": "footnotes", "endnotes": "endnotes", "headers_footers": "headers and footers",
              "charts": "charts"}
# what a damaged element raises from lxml or python-docx; anything else is a bug and should be seen
ODD = (AttributeError, KeyError, ValueError, TypeError, IndexError, etree.LxmlError)
# runs whose nearest paragraph is this one (a text box's paragraphs are read on their own)
RUN_TEXT = (".//w:r[count(ancestor::w:p) = {depth} and not(ancestor::mc:Fallback) and not(ancestor::w:del)"
            " and not(ancestor::w:moveFrom)]/*[self::w:t or self::w:tab or self::w:br or self::w:cr]")
PICTURES = ".//a:blip/@r:embed[not(ancestor::mc:Fallback)] | .//v:imagedata/@r:id[not(ancestor::mc:Fallback)]"
WRAPPERS = ("sdt", "sdtContent", "customXml", "ins", "moveTo", "smartTag", "AlternateContent", "Choice")


def parse(path: Path) -> ParsedFile:
    import docx  # python-docx: only when a Word file arrives
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
        body = document.element.body
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, AttributeError, ValueError) as exc:
        raise ParseError("corrupt", CORRUPT.format(detail=type(exc).__name__)) from exc
    parsed = ParsedFile(blocks=[], page_count=None, title=core_title(document))
    parsed.blocks = list(_blocks(document, body, parsed.warnings))
    return parsed


def _blocks(document, body, warnings: Warnings) -> Iterator[Block]:
    yield from _BodyWalker(document, warnings).walk(body)
    for part, blocks in (("footnotes", _notes(document, "footnotes")), ("endnotes", _notes(document, "endnotes")),
                         ("headers_footers", _headers_footers(document)), ("charts", _charts(document))):
        yield from _guarded(lambda blocks=blocks: list(blocks), warnings, part)


def _guarded(read, warnings: Warnings, part: str, number: int | None = None) -> list[Block]:
    try:
        return read()
    except ODD as exc:
        error = type(exc).__name__
        detail = SKIPPED.format(what=PART_NAMES[part].format(number=number), error=error)
        warnings.append(FileWarning(W.PART_UNREADABLE, detail, {"part": part, "number": number, "error": error}))
        return []


class _BodyWalker:
    """Walks w:body in order, keeping the heading path and list counters."""

    def __init__(self, document, warnings: Warnings):
        self.document = document
        self.warnings = warnings
        self.styles = Styles(document)
        self.pictures = PictureReader(warnings)
        self.path: list[tuple[int, str]] = []
        self.counters: dict[tuple[str, int], int] = {}
        self.tables = 0
        self.elements = 0

    def walk(self, container) -> Iterator[Block]:
        for child in container.iterchildren(tag=etree.Element):
            limits.checkpoint()  # a small file can hold a million empty paragraphs
            self.elements += 1
            tag = etree.QName(child).localname
            if tag in WRAPPERS:
                yield from self.walk(child)
                continue
            read = {"p": self._paragraph, "tbl": self._table, "altChunk": self._alt_chunk}.get(tag)
            if read is not None:
                part = "table" if tag == "tbl" else "paragraph"
                yield from _guarded(lambda read=read, child=child: list(read(child)), self.warnings, part,
                                    self.elements)
                yield from _guarded(lambda child=child: list(self._pictures(child)), self.warnings,
                                    f"{part}_pictures", self.elements)

    def _heading_path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.path)

    def _paragraph(self, p) -> Iterator[Block]:
        text = paragraph_text(p).strip()
        if text:
            level = self.styles.heading_level(p)
            if level:
                self.path = [(lvl, t) for lvl, t in self.path if lvl < level] + [(level, text)]
                yield Block(text=text, heading_path=self._heading_path(), kind="heading")
            else:
                yield Block(text=self._list_marker(p) + text, heading_path=self._heading_path())
        for box in xp(p, ".//w:txbxContent[not(ancestor::mc:Fallback)]"):
            box_text = _plain_text(box)
            if box_text:
                yield Block(text=box_text, heading_path=self._heading_path(), location="text box")

    def _list_marker(self, p) -> str:
        numbering = self.styles.numbering(p)
        if numbering is None:
            return ""
        num_id, level, bullet = numbering
        indent = "  " * level
        if bullet:
            return f"{indent}- "
        for key in [k for k in self.counters if k[0] == num_id and k[1] > level]:
            del self.counters[key]  # a deeper list restarts under each new item
        self.counters[(num_id, level)] = self.counters.get((num_id, level), 0) + 1
        return f"{indent}{self.counters[(num_id, level)]}. "

    def _table(self, tbl) -> Iterator[Block]:
        self.tables += 1
        rows = []
        for number, tr in enumerate(_own(tbl, ".//w:tr", "w:tbl"), start=1):
            # cells may sit in content controls; short rows simply have fewer; a nested table stays in its cell
            rows.append((number, [_plain_text(tc, separator=" ") for tc in _own(tr, ".//w:tc", "w:tr")]))
        for block in table_blocks(rows, label=f"table {self.tables}", first_row_is_header=True):
            yield Block(text=block.text, location=block.location, heading_path=self._heading_path(), kind="table")

    def _pictures(self, element) -> Iterator[Block]:
        for rel_id in dict.fromkeys(xp(element, PICTURES)):
            part = self.document.part.related_parts.get(rel_id)
            if part is None or not part.content_type.startswith("image/"):
                continue
            where = " > ".join(self._heading_path()) or "the document"
            text = self.pictures.text(part.blob, where=f"a picture in {where}")
            if text:
                yield Block(text=text, heading_path=self._heading_path(), location="picture (OCR)")

    def _alt_chunk(self, element) -> Iterator[Block]:
        from ingestion.parsers.text import decode
        from ingestion.parsers.webpage import html_blocks

        rel_id = element.get(f"{{{NS['r']}}}id")
        part = self.document.part.related_parts.get(rel_id)
        if part is None:
            return
        content = decode(part.blob)
        if "html" in part.content_type or content.lstrip().startswith("<"):
            yield from html_blocks(content, main_content=False, heading_path=self._heading_path())
        elif content.strip():
            yield Block(text=content.strip(), heading_path=self._heading_path())


def paragraph_text(p) -> str:
    """A paragraph's visible text: runs inside insertions, fields, hyperlinks and inline content controls
    included; deleted text, field codes and text boxes (read on their own) left out."""
    runs = xp(p, RUN_TEXT.format(depth=int(xp(p, "count(ancestor-or-self::w:p)"))))
    return "".join(node.text or "" if etree.QName(node).localname == "t"
                   else ("\t" if etree.QName(node).localname == "tab" else "\n") for node in runs)


def _plain_text(element, separator: str = "\n") -> str:
    paragraphs = []
    for p in xp(element, ".//w:p[not(ancestor::mc:Fallback)]"):
        text = paragraph_text(p)
        if text.strip():
            paragraphs.append(" ".join(text.split()) if separator == " " else text.strip())
    return separator.join(paragraphs)


def _own(element, expression: str, owner: str) -> list:
    """Descendants matching `expression` whose nearest `owner` ancestor is `element`: rows of this table, not of
    a table nested in one of its cells (rows and cells may sit inside content controls or custom XML)."""
    return [node for node in xp(element, expression) if xp(node, f"ancestor::{owner}[1]")[0] is element]


def _parts(document, prefix: str):
    return [part for part in document.part.package.iter_parts() if str(part.partname).startswith(prefix)]


def _notes(document, kind: str) -> Iterator[Block]:
    for part in _parts(document, f"/word/{kind}.xml"):
        text = part_text(part.blob, skip_separators=True)
        if text:
            yield Block(text=text, location=kind)


def _headers_footers(document) -> Iterator[Block]:
    seen: list[str] = []
    for part in _parts(document, "/word/header") + _parts(document, "/word/footer"):
        text = part_text(part.blob)
        if text and text not in seen:
            seen.append(text)
    if seen:
        yield Block(text="\n".join(seen), location="header and footer")


def _charts(document) -> Iterator[Block]:
    for number, part in enumerate(_parts(document, "/word/charts/chart"), start=1):
        text = chart_text(part.blob)
        if text:
            yield Block(text=text, location=f"chart {number}")
