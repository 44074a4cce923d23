"""The shared real-world files (../shared/docs/MANIFEST.tsv) through the whole path: API upload → worker → indexed
with their text and locations, or failed with a reason a person can act on; and the worker survives them all.

The default suite takes one file per format plus the encrypted, corrupt, empty and scanned cases; set
RUN_FULL_MANIFEST=1 for every row (minutes: it includes 400- and 619-page PDFs). What each row should become
is read from its `expected` column by the parsing tests' own rules, so both layers agree on it.
"""

import os
import re
import shutil

import pytest

from retrieval.contracts import events
from tests.conftest import wait_for_document
from tests.test_parsers import ACCENTED, DOCS, MOJIBAKE, NO_DOCS, PAGED, ROWS, _expected_outcomes
from webapp.documents.models import Chunk, Document

pytestmark = pytest.mark.django_db(transaction=True)

FULL = os.environ.get("RUN_FULL_MANIFEST") == "1"
REPRESENTATIVE = {
    "csv/semicolon-delimited.csv", "doc/simple.doc", "docx/simple.docx", "eml/fake-email.eml",
    "html/fake-html-cp1252.html", "image/DA-1p.png", "md/umlauts-non-utf8.md", "msg/fake-email-attachment.msg",
    "odt/simple.odt", "pdf/testPDF.pdf", "ppt/testPPT_various.ppt", "pptx/sample-presentation.pptx",
    "rtf/fake-doc.rtf", "txt/testTXT_win-1252.txt", "xls/testEXCEL_95.xls", "xlsx/testEXCEL.xlsx",
    "pt/Checklist_Credenciamento_AnexoNP43.xlsm", "pt/ResolucaoCEPN189_2005-1.pdf",
    "pdf/password.pdf", "docx/testWORD_truncated.docx", "txt/fake-text-all-whitespace.txt", "txt/empty.txt",
    "pdf/testPDF_JBIG2.pdf",
}  # epub: its one file makes 463 chunks, so it runs in the full set only
SELECTED = [row for row in ROWS if FULL or row["path"] in REPRESENTATIVE]
REASON_PREFIX = {"encrypted": "encrypted", "corrupt": "corrupt", "empty": "no text found"}


def _needs_missing_program(row: dict) -> str:
    tags = row["expected"]
    if ("scanned" in tags or "needs-ocr" in tags or "OCR" in row["notes"]) and not shutil.which("tesseract"):
        return "tesseract is not installed: run scripts/system_packages.sh"
    if row["format"] in ("doc", "ppt") and not shutil.which("soffice"):
        return "LibreOffice is not installed: run scripts/system_packages.sh"
    return ""


@pytest.mark.parametrize("row", SELECTED or [pytest.param(None, marks=pytest.mark.skip(reason=NO_DOCS))],
                         ids=[row["path"] for row in SELECTED] or ["no-manifest"])
def test_each_shared_document_ends_through_the_worker_as_its_manifest_expects(row, alice_api, handbook, worker):
    if missing := _needs_missing_program(row):
        pytest.skip(missing)
    response = alice_api.post("/documents", files={"file": (row["path"].rsplit("/", 1)[-1], (DOCS / row["path"]).read_bytes())},
                              data={"collection": "handbook"})
    outcomes = _expected_outcomes(row)
    if row["size_bytes"] == "0":  # refused at the door, before it is stored
        assert response.status_code == 400 and response.json()["error"]["code"] == "empty_file"
        return
    assert response.status_code == 202, response.text
    document = wait_for_document(response.json()["id"], timeout=3600 if FULL else 300)
    if document.status == Document.Status.FAILED:
        assert any(document.error.startswith(REASON_PREFIX[o]) for o in outcomes if o != "text"), document.error
    else:
        assert "text" in outcomes, f"indexed, but expected {outcomes}"
        _check_indexed(row, document)
    assert worker.poll() is None and events.live_workers(), "the worker died"


def _check_indexed(row: dict, document: Document) -> None:
    chunks = list(Chunk.objects.filter(document=document, version=document.version).order_by("ordinal"))
    text, tags = document.extracted_text, row["expected"]
    assert chunks and len(chunks) == document.chunk_count and text.strip()
    assert all(text[c.char_start : c.char_end].split() == c.text.split() for c in chunks), "offsets do not point at the chunk"
    if row["format"] in PAGED:
        assert document.page_count and all(c.page and 1 <= c.page <= document.page_count for c in chunks)
    if "image-only" in tags or "needs-ocr" in tags:
        assert any("(OCR)" in c.location for c in chunks), "the scan was not read with OCR"
    if row["path"].startswith("pt/"):
        assert ACCENTED.search(text), "no Portuguese accents in the text"
    if row["path"].startswith("pt/") or "encoding(" in tags:
        assert not MOJIBAKE.search(text), f"mis-decoded text: {MOJIBAKE.search(text).group()!r}"
    if pages := re.search(r"many-pages\((\d+)\)", tags):
        assert document.page_count == int(pages.group(1))
