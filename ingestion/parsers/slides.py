"""PowerPoint 2007+ decks (.pptx): one block per slide (slide number as page, title in the location), tables
as rows, chart labels, the speaker notes as a block of their own, and the text of pictures on the slide (a pasted
scan or screenshot, OCR'd when big enough: ingestion.parsers.pictures) as a block of the slide too."""

import zipfile
from collections.abc import Iterator
from pathlib import Path

from ingestion.parsers.pictures import PictureReader
from ingestion.parsers.tables import cell_text
from ingestion.titles import core_title
from ingestion.types import Block, ParsedFile, ParseError, Warnings
from retrieval.contracts import warnings as W
from retrieval.contracts.warnings import FileWarning

CORRUPT = ("corrupt: the presentation is damaged or truncated ({detail}); open it in PowerPoint or LibreOffice, "
           "save a new copy and upload that")


def parse(path: Path) -> ParsedFile:
    import pptx  # python-pptx: only when a deck arrives
    from pptx.exc import PackageNotFoundError

    try:
        deck = pptx.Presentation(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError) as exc:
        raise ParseError("corrupt", CORRUPT.format(detail=type(exc).__name__)) from exc
    slides = list(deck.slides)
    if not slides:
        raise ParseError("empty", "no text found: the presentation has no slides")
    parsed = ParsedFile(blocks=[], page_count=len(slides), title=core_title(deck))
    parsed.blocks = _blocks(slides, parsed.warnings)
    return parsed


def _blocks(slides, warnings: Warnings) -> Iterator[Block]:
    pictures = PictureReader(warnings)
    for number, slide in enumerate(slides, start=1):
        try:
            title = _title(slide)
            label = f"slide {number} — {title}" if title else f"slide {number}"
            heading = (title,) if title else ()
            body = "\n".join(_shape_texts(_ordered(slide.shapes)))
            if body.strip():
                yield Block(text=body, page=number, location=label, heading_path=heading)
            notes = _notes(slide)
            if notes:
                yield Block(text=notes, page=number, location=f"{label} (notes)", heading_path=heading)
            for blob in _pictures(_ordered(slide.shapes)):
                text = pictures.text(blob, where=f"slide {number}")
                if text:
                    yield Block(text=text, page=number, location=f"{label} (picture, OCR)", heading_path=heading)
        except (KeyError, ValueError, AttributeError, NotImplementedError) as exc:  # a broken shape or relationship in one slide
            error = type(exc).__name__
            warnings.append(FileWarning(W.SLIDE_UNREADABLE, f"slide {number} could not be read ({error}): skipped",
                                        {"slide": number, "error": error}))


def _title(slide) -> str:
    try:
        shape = slide.shapes.title
    except (KeyError, ValueError):
        return ""
    return " ".join(shape.text_frame.text.split()) if shape is not None and shape.has_text_frame else ""


def _ordered(shapes):
    """Top to bottom, then left to right: the order a person reads a slide in (the XML order is z-order)."""
    return sorted(shapes, key=lambda s: ((s.top or 0) // 100_000, s.left or 0))


def _shape_texts(shapes) -> Iterator[str]:
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _shape_texts(_ordered(shape.shapes))
        elif shape.has_text_frame and shape.text_frame.text.strip():
            yield "\n".join(p.text for p in shape.text_frame.paragraphs if p.text.strip())
        elif getattr(shape, "has_table", False) and shape.has_table:
            yield _table_text(shape.table)
        elif getattr(shape, "has_chart", False) and shape.has_chart:
            yield from _chart_text(shape.chart)


def _pictures(shapes) -> Iterator[bytes]:
    """The image bytes of each picture (and filled picture placeholder) on the slide, groups included."""
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    for shape in shapes:
        if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
            yield from _pictures(_ordered(shape.shapes))
            continue
        try:
            image = shape.image  # only pictures have one; a linked picture raises ValueError
        except (AttributeError, ValueError, KeyError):
            continue
        yield image.blob


def _table_text(table) -> str:
    rows = []
    for row in table.rows:
        cells = [cell_text(cell.text) for cell in row.cells]
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def _chart_text(chart) -> Iterator[str]:
    from ingestion.parsers.office_xml import chart_text

    text = chart_text(chart.part.blob)
    if text:
        yield text


def _notes(slide) -> str:
    if not slide.has_notes_slide:
        return ""
    frame = slide.notes_slide.notes_text_frame
    return frame.text.strip() if frame is not None else ""
