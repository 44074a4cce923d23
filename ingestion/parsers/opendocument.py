"""OpenDocument text, spreadsheets and presentations (.odt, .ods, .odp), read from content.xml with lxml.

ODT: headings (text:h outline level) become the heading path, list items get a "- ", tables their rows.
ODS: the same table blocks as Excel (sheet number as page, header repeated). ODP: one block per slide plus notes.
"""

import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from ingestion import limits
from ingestion.archive import read_member
from ingestion.parsers.tables import table_blocks
from ingestion.types import Block, ParsedFile, ParseError

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "draw": "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0",
    "presentation": "urn:oasis:names:tc:opendocument:xmlns:presentation:1.0",
    "manifest": "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0",
}
TEXT, TABLE = f"{{{NS['text']}}}", f"{{{NS['table']}}}"
MAX_REPEAT = 200  # "repeat this empty row a million times" is how ODS pads a sheet: expand only what holds text
ENCRYPTED = ("encrypted (password required): the document is saved with a password; open it in LibreOffice, "
             "save it without the password (File › Properties › Security) and upload again")
CORRUPT = "corrupt: the OpenDocument file is damaged ({detail}); open it in LibreOffice, save a new copy and upload that"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)


def parse(path: Path) -> ParsedFile:
    try:
        with zipfile.ZipFile(path) as archive:
            most = limits.current().max_unzipped_bytes
            manifest = (read_member(archive, "META-INF/manifest.xml", max_bytes=most, kind="OpenDocument")
                        if "META-INF/manifest.xml" in archive.namelist() else b"")
            if b"encryption-data" in manifest:
                raise ParseError("encrypted", ENCRYPTED)
            root = etree.fromstring(read_member(archive, "content.xml", max_bytes=most, kind="OpenDocument"), PARSER)
    except (zipfile.BadZipFile, KeyError, etree.XMLSyntaxError) as exc:
        raise ParseError("corrupt", CORRUPT.format(detail=type(exc).__name__)) from exc
    body = root.find("office:body", NS)
    for kind, reader in (("text", _text_blocks), ("spreadsheet", _sheet_blocks), ("presentation", _slide_blocks)):
        content = body.find(f"office:{kind}", NS) if body is not None else None
        if content is not None:
            pages = _page_count(content)
            return ParsedFile(blocks=list(reader(content)), page_count=pages)
    raise ParseError("unsupported", "unsupported OpenDocument type: only text, spreadsheet and presentation are read")


def _page_count(content) -> int | None:
    if content.tag.endswith("spreadsheet"):
        return len(content.findall("table:table", NS))
    if content.tag.endswith("presentation"):
        return len(content.findall("draw:page", NS))
    return None


def inline_text(element) -> str:
    """An element's text with ODF's space, tab and line-break elements expanded; notes and annotations left out."""
    parts = [element.text or ""]
    for child in element:
        tag = child.tag
        if tag == f"{TEXT}s":
            parts.append(" " * int(child.get(f"{TEXT}c", "1")))
        elif tag == f"{TEXT}tab":
            parts.append("\t")
        elif tag == f"{TEXT}line-break":
            parts.append("\n")
        elif tag not in (f"{TEXT}note", f"{{{NS['office']}}}annotation", f"{TEXT}bookmark-ref"):
            parts.append(inline_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _text_blocks(container, path: tuple[tuple[int, str], ...] = ()) -> Iterator[Block]:
    heading_path = list(path)
    tables = 0
    for element in container.iter(f"{TEXT}h", f"{TEXT}p", f"{TABLE}table"):
        limits.checkpoint()
        if _inside(element, (f"{TABLE}table-cell", f"{TEXT}note")) and element.tag != f"{TABLE}table":
            continue  # cell paragraphs are read with their table; notes with their anchor
        if element.tag == f"{TABLE}table":
            if _inside(element, (f"{TABLE}table-cell",)):
                continue
            tables += 1
            yield from _table(element, f"table {tables}", None, tuple(t for _, t in heading_path))
            continue
        text = " ".join(inline_text(element).split())
        if not text:
            continue
        if element.tag == f"{TEXT}h":
            level = int(element.get(f"{TEXT}outline-level", "1"))
            heading_path = [(lvl, t) for lvl, t in heading_path if lvl < level] + [(level, text)]
            yield Block(text=text, heading_path=tuple(t for _, t in heading_path), kind="heading")
        else:
            marker = "- " if _inside(element, (f"{TEXT}list-item",)) else ""
            yield Block(text=marker + text, heading_path=tuple(t for _, t in heading_path))


def _inside(element, tags: tuple[str, ...]) -> bool:
    parent = element.getparent()
    while parent is not None:
        if parent.tag in tags:
            return True
        parent = parent.getparent()
    return False


def _sheet_blocks(content) -> Iterator[Block]:
    for number, sheet in enumerate(content.findall("table:table", NS), start=1):
        yield from _table(sheet, sheet.get(f"{TABLE}name", f"Sheet{number}"), number, ())


def _table(table, label: str, page: int | None, heading_path: tuple[str, ...]) -> Iterator[Block]:
    for block in table_blocks(_rows(table), label=label, page=page, first_row_is_header=page is None):
        yield Block(text=block.text, page=page, location=block.location, heading_path=heading_path, kind="table")


def _rows(table) -> Iterator[tuple[int, list[str]]]:
    number = 0
    for row in table.iter(f"{TABLE}table-row"):
        cells: list[str] = []
        for cell in row.iterchildren(f"{TABLE}table-cell", f"{TABLE}covered-table-cell"):
            text = " ".join(" ".join(inline_text(p).split()) for p in cell.iterchildren(f"{TEXT}p")).strip()
            repeat = int(cell.get(f"{TABLE}number-columns-repeated", "1"))
            cells.extend([text] * min(repeat, MAX_REPEAT if text else 1))
        repeat = int(row.get(f"{TABLE}number-rows-repeated", "1"))
        for _ in range(min(repeat, MAX_REPEAT) if any(cells) else 1):
            number += 1
            yield number, cells
        number += repeat - min(repeat, MAX_REPEAT) if any(cells) else repeat - 1


def _slide_blocks(content) -> Iterator[Block]:
    notes_tag = f"{{{NS['presentation']}}}notes"
    for number, page in enumerate(content.findall("draw:page", NS), start=1):
        title = ""
        for frame in page.iterchildren(f"{{{NS['draw']}}}frame"):
            if frame.get(f"{{{NS['presentation']}}}class") == "title":
                title = " ".join(inline_text(frame).split())
        label = f"slide {number} — {title}" if title else f"slide {number}"
        lines = [" ".join(inline_text(p).split()) for p in page.iter(f"{TEXT}p", f"{TEXT}h")
                 if not _inside(p, (notes_tag,))]
        body = "\n".join(line for line in lines if line)
        if body:
            yield Block(text=body, page=number, location=label, heading_path=(title,) if title else ())
        notes = "\n".join(" ".join(inline_text(p).split()) for n in page.iter(notes_tag) for p in n.iter(f"{TEXT}p"))
        if notes.strip():
            yield Block(text=notes.strip(), page=number, location=f"{label} (notes)")
