"""Word 2007+ documents (.docx): headings become the heading path, lists keep their markers, tables their rows.

Body content is read in document order, including content controls (forms), text boxes and HTML chunks
embedded with altChunk; footnotes, endnotes, headers/footers and chart labels follow the body. DOCX has no fixed
pages (they depend on the printer), so blocks carry no page number.
"""

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ingestion import limits
from ingestion.parsers.office_xml import chart_text, part_text
from ingestion.parsers.tables import table_blocks
from ingestion.types import Block, ParsedFile, ParseError

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
}
HEADING_STYLE = re.compile(r"^(?:heading|título|titulo|überschrift|titre)\s*(\d)$", re.IGNORECASE)
CORRUPT = ("corrupt: the Word document is damaged or truncated ({detail}); open it in Word or LibreOffice, "
           "save a new copy and upload that")


def parse(path: Path) -> ParsedFile:
    import docx  # python-docx: only when a Word file arrives
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        raise ParseError("corrupt", CORRUPT.format(detail=type(exc).__name__)) from exc
    return ParsedFile(blocks=list(_blocks(document)), page_count=None)


def _blocks(document) -> Iterator[Block]:
    walker = _BodyWalker(document)
    yield from walker.walk(document.element.body)
    yield from _notes(document, "footnotes")
    yield from _notes(document, "endnotes")
    yield from _headers_footers(document)
    for number, part in enumerate(_parts(document, "/word/charts/chart"), start=1):
        text = chart_text(part.blob)
        if text:
            yield Block(text=text, location=f"chart {number}")


class _BodyWalker:
    """Walks w:body in order, keeping the heading path and list counters."""

    def __init__(self, document):
        self.document = document
        self.path: list[tuple[int, str]] = []
        self.list_formats = _list_formats(document)
        self.counters: dict[tuple[str, int], int] = {}
        self.tables = 0
        # python-docx finds a paragraph's style by scanning every style (~1 ms): a million paragraphs took
        # 15 minutes. Documents have a few dozen styles, so each is looked up once.
        self.styles: dict[str | None, object] = {}

    def walk(self, container) -> Iterator[Block]:
        for child in container.iterchildren():
            limits.checkpoint()  # a small file can hold a million empty paragraphs
            tag = child.tag.rsplit("}", 1)[-1]
            if tag == "p":
                yield from self._paragraph(child)
            elif tag == "tbl":
                yield from self._table(child)
            elif tag in ("sdt", "customXml", "sdtContent", "ins", "smartTag"):
                yield from self.walk(child if tag != "sdt" else _first(child, "w:sdtContent") or child)
            elif tag == "altChunk":
                yield from self._alt_chunk(child)

    def _heading_path(self) -> tuple[str, ...]:
        return tuple(title for _, title in self.path)

    def _paragraph(self, p) -> Iterator[Block]:
        from docx.text.paragraph import Paragraph

        paragraph = Paragraph(p, self.document.part)
        text = paragraph.text.strip()
        boxes = [t for t in map(_plain_text, _xp(p, ".//w:txbxContent[not(ancestor::mc:Fallback)]")) if t]
        style = self._style(p) if text else None
        level = _heading_level(paragraph, style) if text else 0
        if text and level:
            self.path = [(lvl, t) for lvl, t in self.path if lvl < level] + [(level, text)]
            yield Block(text=text, heading_path=self._heading_path(), kind="heading")
        elif text:
            yield Block(text=self._list_marker(paragraph, style) + text, heading_path=self._heading_path())
        for box in boxes:
            yield Block(text=box, heading_path=self._heading_path(), location="text box")

    def _style(self, p):
        from docx.enum.style import WD_STYLE_TYPE

        style_id = p.style  # the paragraph's w:pStyle, or None for the default style
        if style_id not in self.styles:
            self.styles[style_id] = self.document.part.get_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
        return self.styles[style_id]

    def _list_marker(self, paragraph, style) -> str:
        p = paragraph._p
        num_id = _xp(p, "string(./w:pPr/w:numPr/w:numId/@w:val)")
        level_text = _xp(p, "string(./w:pPr/w:numPr/w:ilvl/@w:val)")
        while not num_id and style is not None:  # "List Bullet" and friends number through their style
            num_id = _xp(style.element, "string(./w:pPr/w:numPr/w:numId/@w:val)")
            level_text = level_text or _xp(style.element, "string(./w:pPr/w:numPr/w:ilvl/@w:val)")
            style = style.base_style
        if not num_id or num_id == "0":
            return ""
        level = int(level_text) if level_text.isdigit() else 0
        indent = "  " * level
        if self.list_formats.get((num_id, level), "bullet") in ("bullet", "none"):
            return f"{indent}- "
        for key in [k for k in self.counters if k[0] == num_id and k[1] > level]:
            del self.counters[key]  # a deeper list restarts under each new item
        self.counters[(num_id, level)] = self.counters.get((num_id, level), 0) + 1
        return f"{indent}{self.counters[(num_id, level)]}. "

    def _table(self, tbl) -> Iterator[Block]:
        self.tables += 1
        rows = []
        for number, tr in enumerate(_xp(tbl, "./w:tr"), start=1):
            cells, previous = [], None
            for tc in _xp(tr, "./w:tc | ./w:sdt/w:sdtContent/w:tc"):
                text = _plain_text(tc, separator=" ")
                if tc is not previous:
                    cells.append(text)
                previous = tc
            rows.append((number, cells))
        for block in table_blocks(rows, label=f"table {self.tables}", first_row_is_header=True):
            yield Block(text=block.text, location=block.location, heading_path=self._heading_path(), kind="table")

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


def _heading_level(paragraph, style) -> int:
    while style is not None:
        name = (style.name or "").strip()
        if name.lower() == "title":
            return 1
        match = HEADING_STYLE.match(name)
        if match:
            return int(match.group(1))
        outline = _xp(style.element, "string(./w:pPr/w:outlineLvl/@w:val)")
        if outline and outline.isdigit() and int(outline) < 9:
            return int(outline) + 1
        style = style.base_style
    outline = _xp(paragraph._p, "string(./w:pPr/w:outlineLvl/@w:val)")
    return int(outline) + 1 if outline.isdigit() and int(outline) < 9 else 0


def _list_formats(document) -> dict[tuple[str, int], str]:
    """(numId, level) -> numFmt ("bullet", "decimal", ...), from the numbering part."""
    try:
        numbering = document.part.numbering_part.element
    except (KeyError, NotImplementedError):
        return {}
    abstract = {}
    for node in _xp(numbering, "./w:abstractNum"):
        levels = {int(lvl.get(f"{{{W}}}ilvl", 0)): _xp(lvl, "string(./w:numFmt/@w:val)")
                  for lvl in _xp(node, "./w:lvl")}
        abstract[node.get(f"{{{W}}}abstractNumId")] = levels
    formats = {}
    for num in _xp(numbering, "./w:num"):
        levels = abstract.get(_xp(num, "string(./w:abstractNumId/@w:val)"), {})
        for level, fmt in levels.items():
            formats[(num.get(f"{{{W}}}numId"), level)] = fmt or "decimal"
    return formats


def _plain_text(element, separator: str = "\n") -> str:
    paragraphs = []
    for p in _xp(element, ".//w:p[not(ancestor::mc:Fallback)]"):
        runs = _xp(p, ".//w:t[not(ancestor::mc:Fallback)] | .//w:tab | .//w:br")
        text = "".join(r.text or "" if r.tag.endswith("}t") else (" " if r.tag.endswith("}tab") else "\n")
                       for r in runs)
        if text.strip():
            paragraphs.append(" ".join(text.split()) if separator == " " else text.strip())
    return separator.join(paragraphs)


def _xp(element, expression: str):
    """lxml's own xpath: python-docx's override does not take our namespace map (mc: for text boxes)."""
    return etree._Element.xpath(element, expression, namespaces=NS)


def _first(element, xpath: str):
    found = _xp(element, xpath)
    return found[0] if found else None


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
