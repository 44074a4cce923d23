"""OCR of scanned tables keeps their rows and numbers (ruling lines erased, read row by row when Tesseract is more
sure of it), and a page read with low confidence is flagged to the person, in their language."""

import shutil

import pytest

from ingestion.parsers import ocr, parse_file
from tests.test_parsers import DOCS, NO_DOCS
from webapp.documents.warnings import describe

needs_ocr = pytest.mark.skipif(shutil.which("tesseract") is None, reason="OCR (tesseract) is not installed")


@needs_ocr
def test_every_row_and_number_of_the_shared_scanned_table_is_read():
    path = DOCS / "pdf" / "table-multi-row-column-cells.pdf"
    if not path.exists():
        pytest.skip(NO_DOCS)
    parsed = parse_file(path)
    text = "\n".join(block.text for block in parsed.blocks)
    for row in ("Blind 5 1 4", "Dexterity 5 4 1", "Mobility 3 3 0"):  # the rows psm 3 alone lost, cells in order
        assert row in text
    for number in ("34.5%", "1199", "1672.1", "95.4%", "1416"):
        assert number in text
    assert not [w for w in parsed.warnings if w.code == "ocr_low_confidence"]


def _coarse_scan(path) -> None:
    """Four lines of text scanned at far too low a resolution (letters about 5 pixels high), then enlarged: Tesseract
    still finds words, and says it is unsure of them."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (1700, 900), 255)
    draw = ImageDraw.Draw(image)
    lines = ["The boiler inspection found the pressure valve", "within limits on the third of March, and the",
             "manager signed the report for the insurance", "company before the end of the month."]
    for number, line in enumerate(lines):
        draw.text((100, 150 + number * 90), line, fill=0, font=ImageFont.load_default(size=40))
    small = image.resize((204, 108), Image.Resampling.BILINEAR)
    small.resize((1700, 900), Image.Resampling.BILINEAR).save(path)


@needs_ocr
def test_a_scan_read_with_low_confidence_is_indexed_with_a_warning(tmp_path):
    path = tmp_path / "coarse.png"
    _coarse_scan(path)
    parsed = parse_file(path)
    assert list(parsed.blocks)
    warning, = [w for w in parsed.warnings if w.code == "ocr_low_confidence"]
    assert (warning.params["count"], warning.params["pages"]) == (1, [1])
    assert warning.detail.startswith("OCR read page 1 with low confidence (mean ")


def test_the_warning_is_said_in_the_readers_language():
    from django.utils import translation

    one = ocr.low_confidence_warning({3: 41.2}).stored()
    many = ocr.low_confidence_warning({2: 50.0, 5: 40.0}).stored()
    lots = ocr.low_confidence_warning({page: 30.0 for page in range(1, 13)}).stored()
    assert many["params"] == {"count": 2, "pages": [2, 5], "confidence": 45}
    assert many["detail"].startswith("OCR read 2 pages (2, 5) with low confidence (mean 45%)")
    with translation.override("pt-br"):
        assert describe(one).startswith("O reconhecimento de texto (OCR) leu a página 3 com baixa confiança "
                                        "(41% em média)")
        assert describe(many).startswith("O reconhecimento de texto (OCR) leu 2 páginas (2, 5)")
        assert describe(lots).startswith("O reconhecimento de texto (OCR) leu 12 páginas (1, 2, 3, 4, 5, 6, 7, 8, 9, "
                                         "10, …)")
    with translation.override("en"):
        assert describe(one).startswith("Text recognition (OCR) read page 3 with low confidence (41% on average)")
