"""Scanned PDF pages are OCR'd whatever their image objects say: a page without usable text that shows ink is
rendered and read in Portuguese and English, and a blank page stays cheap. The files are made by tests/scans.py
and go through the real pipeline."""

import shutil
import time

import pytest

from ingestion.parsers import parse_file
from ingestion.pipeline import ingest_document
from retrieval.search import search_passages
from tests.hostile import stored_document
from tests.scans import blank_page, fax_on_a_centred_page, one_page_pdf, scan_in_a_scaled_form, stream

pytestmark = pytest.mark.skipif(shutil.which("tesseract") is None,
                                reason="tesseract is not installed: run scripts/system_packages.sh")

@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("make", [scan_in_a_scaled_form, fax_on_a_centred_page])
def test_a_scanned_page_is_read_with_ocr_and_found_by_search(own_index, handbook, tmp_path, make):
    path = tmp_path / "inspection.pdf"
    path.write_bytes(make())
    document = stored_document(handbook, path)

    started = time.monotonic()
    ingest_document(document.pk)
    print(f"\n{make.__name__}: one page ingested with OCR in {time.monotonic() - started:.2f} s")

    document.refresh_from_db()
    assert (document.status, document.error) == ("indexed", "")
    hits = search_passages("pressure valve inspection", collection_ids=[handbook.pk], limit=3)
    assert [(hit.document_id, hit.location) for hit in hits] == [(document.pk, "p. 1 (OCR)")]
    assert "pressure valve passed" in hits[0].text


def test_a_blank_page_is_not_sent_to_ocr(tmp_path):
    path = tmp_path / "blank.pdf"
    path.write_bytes(blank_page())

    started = time.monotonic()
    with pytest.raises(Exception, match="no text found"):
        list(parse_file(path).blocks)
    assert time.monotonic() - started < 0.5  # a render of 400 pixels, not a Tesseract run (1 s and more)


def test_a_page_holding_only_a_short_title_keeps_its_text_layer_without_ocr(tmp_path):
    path = tmp_path / "title.pdf"
    path.write_bytes(one_page_pdf(
        b"<< /Type /Page /Parent 2 0 R /MediaBox [-306 -396 306 396] /Contents 4 0 R /Resources "
        b"<< /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>",
        stream(b"", b"BT /F1 36 Tf -200 200 Td (Chapter three) Tj ET"),
    ))

    started = time.monotonic()
    blocks = list(parse_file(path).blocks)
    assert [(block.text, block.location) for block in blocks] == [("Chapter three", "p. 1")]
    assert time.monotonic() - started < 0.5  # the title's ink is under its own text layer: nothing left to read
