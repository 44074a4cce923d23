"""Pictures pasted into Word and PowerPoint files (a scanned page, a screenshot) are OCR'd and indexed with the
section or slide they belong to; icons are skipped by size and the number read per document is capped."""

import shutil

import pytest

from ingestion.parsers import parse_file
from ingestion.parsers.pictures import CAPPED, PictureReader
from ingestion.pipeline import ingest_document
from ingestion.types import Warnings
from retrieval.search import search_passages
from tests.hostile import stored_document
from webapp.documents.models import Document

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None, reason="OCR (tesseract) is not installed")


def picture_of_text(path, lines: list[str]):
    """A screenshot-like PNG of `lines` in black on a transparent background (as copied from a screen)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=36)
    image = Image.new("RGBA", (1000, 80 + 70 * len(lines)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((30, 40 + 70 * number), line, fill="black", font=font)
    image.save(path)
    return path


def icon(path):
    from PIL import Image

    Image.new("RGB", (64, 64), "navy").save(path)
    return path


def scanned_word_file(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Inventário", level=1)
    document.add_picture(str(icon(tmp_path / "logo.png")))
    document.add_picture(str(picture_of_text(tmp_path / "scan.png", ["Quarterly audit of the warehouse",
                                                                     "found seventeen missing pallets"])))
    document.save(str(tmp_path / "scan.docx"))
    return tmp_path / "scan.docx"


def test_a_word_file_whose_content_is_a_pasted_picture_is_read_by_ocr_under_its_heading(tmp_path):
    blocks = list(parse_file(scanned_word_file(tmp_path)).blocks)

    assert [(b.location, b.heading_path) for b in blocks] == [("", ("Inventário",)),
                                                              ("picture (OCR)", ("Inventário",))]
    assert "seventeen missing pallets" in blocks[1].text


def test_a_slide_that_is_only_a_screenshot_is_read_by_ocr_as_part_of_that_slide(tmp_path):
    import pptx
    from pptx.util import Inches

    deck = pptx.Presentation()
    deck.slides.add_slide(deck.slide_layouts[6])  # blank
    slide = deck.slides.add_slide(deck.slide_layouts[6])
    slide.shapes.add_picture(str(icon(tmp_path / "logo.png")), Inches(0), Inches(0))
    slide.shapes.add_picture(str(picture_of_text(tmp_path / "shot.png", ["Budget approved by the board"])),
                             Inches(1), Inches(2))
    deck.save(str(tmp_path / "shot.pptx"))

    [block] = list(parse_file(tmp_path / "shot.pptx").blocks)

    assert (block.page, block.location) == (2, "slide 2 (picture, OCR)")
    assert "Budget approved by the board" in block.text


def test_no_more_pictures_than_the_cap_are_read(tmp_path):
    warnings = Warnings()
    reader = PictureReader(warnings, max_pictures=1)
    first = picture_of_text(tmp_path / "one.png", ["Minutes of the first meeting"]).read_bytes()
    second = picture_of_text(tmp_path / "two.png", ["Minutes of the second meeting"]).read_bytes()

    assert "first meeting" in reader.text(first, where="p1")
    assert reader.text(second, where="p2") == ""
    assert [(w.code, w.params, w.detail) for w in warnings] == [("pictures_capped", {"limit": 1}, CAPPED.format(limit=1))]


@pytest.mark.django_db(transaction=True)
def test_a_scanned_word_file_is_indexed_and_found_by_the_words_in_its_picture(own_index, handbook, tmp_path):
    document = stored_document(handbook, scanned_word_file(tmp_path))

    ingest_document(document.pk)

    document.refresh_from_db()
    assert document.status == Document.Status.INDEXED, document.error
    [hit] = search_passages("missing pallets", collection_ids=[handbook.pk], limit=1, mode="sparse")
    assert "seventeen missing pallets" in hit.text and hit.location == "picture (OCR)"
