"""Files that declare or hold far more than they show stay cheap: a workbook's declared dimension is not read as
cells, a long parse stops at the time limit, a document's text and passages are capped (MAX_DOCUMENT_CHARS,
MAX_DOCUMENT_CHUNKS) with a reason naming the limit, and a PDF's declared page count is not taken on trust."""

import signal
from contextlib import contextmanager

import pytest

from ingestion.limits import TOO_MANY_CHARS, TOO_MANY_CHUNKS
from ingestion.parsers import parse_file
from ingestion.pipeline import ERR_TIME_LIMIT, ingest_document
from ingestion.types import MAX_WARNINGS, Warnings
from retrieval.contracts.warnings import FileWarning
from tests.hostile import rewrite_member, stored_document, word_file


@contextmanager
def within(seconds: int):
    """Fail the test, instead of hanging it, when the work takes longer (the old parser took 29 minutes)."""
    def expire(signum, frame):
        raise TimeoutError(f"still parsing after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_workbook_declaring_a_whole_sheet_of_cells_is_read_as_the_cells_it_holds(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Item", "Price"])
    sheet.append(["Coffee", 3.5])
    sheet["XFD2"] = "checked by finance"  # the last column Excel has
    sheet["XFD1048576"] = "end of the sheet"  # and its last cell: the sheet declares A1:XFD1048576
    path = tmp_path / "dimension.xlsx"
    workbook.save(path)
    assert path.stat().st_size < 8 * 1024

    with within(20):
        parsed = parse_file(path)
        text = "\n".join(block.text for block in parsed.blocks)

    assert "Coffee | 3.5" in text and "checked by finance" in text and "end of the sheet" in text
    assert "| | | | |" not in text  # the padding of 16,000 empty columns did not become text


@pytest.mark.django_db(transaction=True)
def test_a_parse_that_finds_no_text_for_long_still_stops_at_the_time_limit(own_index, handbook, settings, tmp_path):
    path = word_file(tmp_path / "empty-paragraphs.docx", ["Start."])
    rewrite_member(path, "word/document.xml", lambda xml: xml.replace(b"<w:p>", b"<w:p/>" * 200_000 + b"<w:p>", 1))
    assert path.stat().st_size < 64 * 1024
    settings.INGEST_TIME_LIMIT_S = 0  # already over when the parser starts: it must stop at its first checkpoint
    document = stored_document(handbook, path)

    with within(20):
        ingest_document(document.pk)

    document.refresh_from_db()
    assert (document.status, document.error) == ("failed", ERR_TIME_LIMIT.format(limit=0))
    assert (document.error_code, document.error_params) == ("time_limit", {"limit": 0})


def test_a_hundred_thousand_empty_paragraphs_parse_in_seconds(tmp_path):
    path = word_file(tmp_path / "empty-paragraphs.docx", ["Start.", "End."])
    rewrite_member(path, "word/document.xml", lambda xml: xml.replace(b"<w:p>", b"<w:p/>" * 100_000 + b"<w:p>", 1))

    with within(15):  # each took python-docx's ~1 ms style lookup before: 100 s here, 15 minutes for a million
        blocks = list(parse_file(path).blocks)

    assert [block.text for block in blocks] == ["Start.", "End."]


PARAGRAPHS = [f"Rule {n}: expense report {n} is filed within {n % 30 + 1} days of the trip, with receipts."
              for n in range(400)]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("setting, limit, message", [
    ("MAX_DOCUMENT_CHUNKS", 5, TOO_MANY_CHUNKS), ("MAX_DOCUMENT_CHARS", 2000, TOO_MANY_CHARS),
])
def test_a_document_over_a_size_limit_fails_naming_it_and_keeps_nothing(own_index, handbook, settings, tmp_path,
                                                                       setting, limit, message):
    setattr(settings, setting, limit)
    document = stored_document(handbook, word_file(tmp_path / "paragraphs.docx", PARAGRAPHS))

    ingest_document(document.pk)

    document.refresh_from_db()
    assert (document.status, document.error) == ("failed", message.format(limit=limit))
    assert setting in document.error
    assert document.error_code == "too_large"
    assert not document.chunks.exists()


def one_page_pdf_declaring(count: int) -> bytes:
    stream = b"BT /F1 12 Tf 72 720 Td (The only real page of this file.) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count %d >>" % count,
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_a_pdf_declaring_100000_pages_with_one_real_page_counts_one_page_and_one_warning(tmp_path):
    path = tmp_path / "count.pdf"
    path.write_bytes(one_page_pdf_declaring(100_000))

    parsed = parse_file(path)
    blocks = list(parsed.blocks)

    assert [block.text for block in blocks] == ["The only real page of this file."]
    assert parsed.page_count == 1
    [warning] = parsed.warnings.summary()
    assert (warning.code, warning.params) == ("pages_missing", {"declared": 100_000, "missing": 99_999, "found": 1})
    assert warning.detail == ("the PDF declares 100,000 pages but 99,999 of them do not exist (a damaged or crafted "
                              "page tree): 1 pages read")


def test_warnings_past_the_cap_are_summarised_as_a_count():
    warnings = Warnings()
    for number in range(1, 101):
        warnings.append(FileWarning("page_unreadable", f"page {number} could not be read: skipped",
                                    {"page": number, "error": "KeyError"}))

    summary = warnings.summary()

    assert len(summary) == MAX_WARNINGS + 1
    assert summary[0].detail == "page 1 could not be read: skipped"
    assert summary[-1] == FileWarning("more_warnings", f"… and {100 - MAX_WARNINGS} more warnings",
                                      {"n": 100 - MAX_WARNINGS})
