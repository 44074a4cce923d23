"""The parsing layer: every format to blocks with locations, or a ParseError a person can act on.

Plain functions, no database, no worker. Test files are made here with the format's own library, or taken from the
shared real-world set (../shared/docs, described by its MANIFEST.tsv).
"""

import csv
import itertools
import re
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from ingestion.detect import detect_type
from ingestion.parsers import parse_file
from ingestion.types import ParseError

DOCS = Path(__file__).resolve().parents[1].parent / "shared" / "docs"
MANIFEST = DOCS / "MANIFEST.tsv"
NO_DOCS = f"shared test documents not found at {DOCS} (CI clones shared/ beside the repository)"
HAS_OCR = shutil.which("tesseract") is not None
HAS_SOFFICE = shutil.which("soffice") is not None
PAGED = {"pdf", "pptx", "ppt", "xlsx", "xlsm", "xls", "odp", "ods", "png", "jpg", "tif"}
ACCENTED = re.compile(r"[áàâãéêíóôõúçÁÀÂÃÉÊÍÓÔÕÚÇ]")
MOJIBAKE = re.compile(r"Ã[\u0080-\u00bf]|\ufffd")  # UTF-8 read as Latin-1, or bytes nobody could decode
# The manifest says "text;table" for these, but the files hold no text at all (checked byte by byte): an .xls whose
# only records are formatted blank cells and a picture, and a .docx whose three tables have empty cells.
TEXTLESS = {"xls/testEXCEL_95.xls", "docx/tbl-having-tables.docx"}


def _doc(relative: str) -> Path:
    path = DOCS / relative
    if not path.exists():
        pytest.skip(NO_DOCS)
    return path


def _parse(path: Path):
    parsed = parse_file(path)
    return parsed, list(parsed.blocks)


def _text(blocks) -> str:
    return "\n".join(block.text for block in blocks)


def _reason(path: Path) -> str:
    with pytest.raises(ParseError) as caught:
        _parse(path)
    return caught.value.reason


# --- detection and failures -------------------------------------------------------------------------------------


def test_a_zero_byte_file_fails_as_empty(tmp_path):
    path = tmp_path / "nothing.pdf"
    path.write_bytes(b"")
    with pytest.raises(ParseError, match="no text found") as caught:
        parse_file(path)
    assert caught.value.reason == "empty"


@pytest.mark.parametrize("source, wrong_name, kind", [
    ("docx/simple.docx", "relatorio.pdf", "docx"),
    ("pdf/testPDF.pdf", "notes.txt", "pdf"),
    ("xlsx/testEXCEL.xlsx", "data.csv", "xlsx"),
    ("pptx/sample-presentation.pptx", "deck.docx", "pptx"),
    ("msg/fake-email-attachment.msg", "mail.eml", "msg"),
])
def test_a_file_with_the_wrong_extension_is_parsed_by_its_content(tmp_path, source, wrong_name, kind):
    path = tmp_path / wrong_name
    shutil.copyfile(_doc(source), path)
    assert detect_type(path) == kind
    assert _text(_parse(path)[1]).strip()


def test_text_formats_are_told_apart_by_content_when_the_name_says_nothing(tmp_path):
    message = EmailMessage()
    message["From"], message["Subject"] = "ana@example.com", "Reunião"
    message.set_content("Pauta em anexo.")
    (tmp_path / "message").write_bytes(bytes(message))
    (tmp_path / "page").write_text("<!DOCTYPE html><html><body><p>Olá</p></body></html>", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("To: all staff\n\nThe office closes at six.", encoding="utf-8")
    kinds = [detect_type(tmp_path / name) for name in ("message", "page", "notes.txt")]
    assert kinds == ["eml", "html", "text"]


def test_an_unknown_binary_fails_as_unsupported(tmp_path):
    path = tmp_path / "archive.pdf"
    path.write_bytes(b"\x1f\x8b\x08\x00" + bytes(range(256)) * 4)  # gzip
    with pytest.raises(ParseError, match="unsupported file type") as caught:
        parse_file(path)
    assert caught.value.reason == "unsupported"


def test_an_encrypted_pdf_fails_with_what_to_do():
    with pytest.raises(ParseError) as caught:
        parse_file(_doc("pdf/crazyones-encrypted-256.pdf"))
    assert caught.value.reason == "encrypted"
    assert caught.value.message.startswith("encrypted (password required): ")
    assert "remove the password" in caught.value.message


def test_a_pdf_whose_password_is_empty_opens():
    _, blocks = _parse(_doc("pdf/r6-empty-password.pdf"))
    assert "encryption test" in _text(blocks)


def test_a_password_protected_office_file_fails_as_encrypted():
    assert detect_type(_doc("xlsx/password_protected.xlsx")) == "encrypted-ooxml"
    assert _reason(_doc("docx/testWORD_protected_passtika.docx")) == "encrypted"


def test_a_truncated_docx_fails_as_corrupt_and_says_so():
    with pytest.raises(ParseError, match="truncated") as caught:
        parse_file(_doc("docx/testWORD_truncated.docx"))
    assert caught.value.reason == "corrupt"


# --- text and encodings ---------------------------------------------------------------------------------------------


def test_portuguese_text_saved_as_windows_1252_keeps_its_accents(tmp_path):
    path = tmp_path / "ata.txt"
    path.write_bytes("Ata da reunião: ações, não conformidades e órgãos de São João.".encode("cp1252"))
    assert _text(_parse(path)[1]) == "Ata da reunião: ações, não conformidades e órgãos de São João."


def test_utf16_text_without_a_byte_order_mark_is_read_as_text(tmp_path):
    path = tmp_path / "export.txt"
    path.write_bytes("Relatório anual de gestão".encode("utf-16-le"))
    assert detect_type(path) == "text"
    assert _text(_parse(path)[1]) == "Relatório anual de gestão"


def test_markdown_headings_become_the_heading_path(tmp_path):
    path = tmp_path / "guia.md"
    path.write_text("# Guia\n\nIntro.\n\n## Férias\n\nTrinta dias.\n", encoding="utf-8")
    last = _parse(path)[1][-1]
    assert (last.text, last.heading_path) == ("Trinta dias.", ("Guia", "Férias"))


# --- PDF ------------------------------------------------------------------------------------------------------------


def test_pdf_pages_stream_one_by_one_with_the_page_count_known_up_front():
    parsed = parse_file(_doc("pdf/DA-619p.pdf"))
    first = list(itertools.islice(parsed.blocks, 3))
    assert parsed.page_count == 619
    assert [block.page for block in first] == [1, 2, 3]
    assert [block.location for block in first] == ["p. 1", "p. 2", "p. 3"]


def test_a_two_column_pdf_reads_each_column_top_to_bottom():
    _, blocks = _parse(_doc("pdf/multi-column-2p.pdf"))
    text = " ".join(_text(blocks).split())
    assert ("Open-domain question answering (QA) (Voorhees, 1999) is a task that answers factoid questions "
            "using a large collection of documents.") in text


def test_a_pdf_table_keeps_each_row_on_one_line():
    _, blocks = _parse(_doc("pt/ibama-autuacao-amazonas-2010-pag2.pdf"))
    assert "13 Flora 18/03/2010 AMAZONAS MANACAPURU 63.637.540/0001-09 JOAO BARRETO FEITOSA" in _text(blocks)


def test_words_hyphenated_across_lines_are_joined():
    _, blocks = _parse(_doc("pdf/multicolumn.pdf"))
    assert "consectetuer adipiscing elit" in _text(blocks)


def test_ocr_languages_default_to_portuguese_and_english(monkeypatch):
    from ingestion.parsers import ocr

    monkeypatch.delenv("OCR_LANGUAGES", raising=False)
    assert ocr.languages() == "por+eng"
    monkeypatch.setenv("OCR_LANGUAGES", "eng")
    assert ocr.languages() == "eng"


@pytest.mark.skipif(not HAS_OCR, reason="tesseract is not installed: run scripts/system_packages.sh")
def test_an_ocr_language_that_is_not_installed_fails_with_what_to_install(monkeypatch):
    monkeypatch.setenv("OCR_LANGUAGES", "klingon")
    with pytest.raises(ParseError, match="install tesseract-ocr-<lang>") as caught:
        _parse(_doc("image/DA-1p.png"))
    assert caught.value.reason == "converter_missing"


@pytest.mark.skipif(not HAS_OCR, reason="tesseract is not installed: run scripts/system_packages.sh")
def test_a_pdf_mixing_scanned_and_text_pages_gets_both():
    parsed = parse_file(_doc("pt/2023-BS-159-23-RETIFICADO.pdf"))
    cover, second = itertools.islice(parsed.blocks, 2)
    assert (cover.location, second.location) == ("p. 1 (OCR)", "p. 2")
    assert "BOLETIM" in cover.text and "UNIVERSIDADE FEDERAL FLUMINENSE" in second.text


def test_without_tesseract_a_scan_fails_as_converter_missing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert _reason(_doc("pdf/table-multi-row-column-cells.pdf")) == "converter_missing"


# --- office documents -----------------------------------------------------------------------------------------------


def test_docx_headings_lists_and_tables_keep_their_structure(tmp_path):
    import docx

    document = docx.Document()
    document.add_heading("Política de Férias", level=1)
    document.add_heading("Solicitação", level=2)
    document.add_paragraph("Pedir com 30 dias de antecedência", style="List Bullet")
    table = document.add_table(rows=2, cols=2)
    for cell, text in zip(table._cells, ["Tempo de casa", "Dias", "1 ano", "30"]):
        cell.text = text
    document.save(tmp_path / "politica.docx")
    blocks = _parse(tmp_path / "politica.docx")[1]
    item, rows = blocks[2], blocks[3]
    assert (item.text, item.heading_path) == ("- Pedir com 30 dias de antecedência", ("Política de Férias", "Solicitação"))
    assert (rows.kind, rows.text) == ("table", "Tempo de casa | Dias\n1 ano | 30")


def test_pptx_blocks_carry_slide_number_title_and_notes():
    _, blocks = _parse(_doc("pptx/sample-presentation.pptx"))
    assert [block.page for block in blocks] == [1, 2, 3, 4]
    assert blocks[1].location == "slide 2 — This is the first content slide"
    notes = _parse(_doc("pptx/sld-notes.pptx"))[1]
    assert notes[0].location.endswith("(notes)")


def test_spreadsheet_blocks_repeat_the_header_row_and_name_their_rows(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Despesas"
    sheet.append(["Mês", "Valor"])
    for month in range(1, 71):
        sheet.append([f"mês {month}", month * 10])
    workbook.save(tmp_path / "despesas.xlsx")
    blocks = _parse(tmp_path / "despesas.xlsx")[1]
    assert [block.location for block in blocks] == ["Despesas, rows 1–31", "Despesas, rows 32–61", "Despesas, rows 62–71"]
    assert all(block.text.startswith("Mês | Valor\n") and block.page == 1 for block in blocks)


def test_csv_delimiter_is_sniffed_and_the_header_repeated(tmp_path):
    path = tmp_path / "vendas.csv"
    path.write_text("cidade;total\n" + "".join(f"São Paulo {i};{i}\n" for i in range(45)), encoding="cp1252")
    blocks = _parse(path)[1]
    assert [block.text.split("\n")[0] for block in blocks] == ["cidade | total", "cidade | total"]
    assert blocks[1].text.split("\n")[1] == "São Paulo 30 | 30"


@pytest.mark.skipif(not HAS_SOFFICE, reason="LibreOffice is not installed: run scripts/system_packages.sh")
def test_a_legacy_doc_is_converted_with_libreoffice():
    _, blocks = _parse(_doc("doc/simple.doc"))
    assert blocks[0].kind == "heading" and "favorite things" in blocks[0].text


def test_without_libreoffice_a_legacy_doc_fails_as_converter_missing(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert _reason(_doc("doc/simple.doc")) == "converter_missing"


# --- web and mail ---------------------------------------------------------------------------------------------------


def test_html_keeps_the_main_content_without_menus_or_scripts(tmp_path):
    path = tmp_path / "pagina.html"
    path.write_text(
        "<html><head><title>RH</title><script>var tracking = 1;</script></head><body>"
        "<nav><ul><li><a href='/'>Início</a></li><li><a href='/ti'>Suporte de TI</a></li></ul></nav>"
        "<main><h1>Política de Férias</h1><p>Os colaboradores têm direito a trinta dias de férias por ano, "
        "divididos em até três períodos, com aprovação do gestor.</p></main>"
        "<footer><a href='/privacidade'>Privacidade</a></footer></body></html>", encoding="utf-8")
    blocks = _parse(path)[1]
    text = _text(blocks)
    assert "trinta dias de férias" in text and blocks[-1].heading_path == ("Política de Férias",)
    assert "tracking" not in text and "Suporte de TI" not in text and "Privacidade" not in text


def test_an_email_attachment_becomes_blocks_located_at_the_attachment(tmp_path):
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "ana@example.com", "rh@example.com", "Férias de julho"
    message.set_content("Segue a planilha.")
    message.add_attachment("Período: 1 a 30 de julho".encode(), maintype="text", subtype="plain",
                           filename="pedido.txt")
    (tmp_path / "pedido.eml").write_bytes(bytes(message))
    blocks = _parse(tmp_path / "pedido.eml")[1]
    assert blocks[0].text.endswith("Subject: Férias de julho")
    assert (blocks[-1].location, blocks[-1].text) == ("attachment: pedido.txt", "Período: 1 a 30 de julho")


def test_an_outlook_message_keeps_headers_body_and_attachments():
    _, blocks = _parse(_doc("msg/fake-email-attachment.msg"))
    assert blocks[0].location == "message headers" and "Subject: Fake email with attachment" in blocks[0].text
    assert blocks[-1].location == "attachment: fake-attachment.txt"


def test_an_encrypted_message_fails_as_encrypted():
    assert _reason(_doc("msg/fake-encrypted.msg")) == "encrypted"


# --- the shared real-world set ----------------------------------------------------------------------------------


def _manifest_rows() -> list[dict]:
    if not MANIFEST.exists():
        return []
    with MANIFEST.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


ROWS = _manifest_rows()


def _expected_outcomes(row: dict) -> set[str]:
    """"text", or the ParseError reasons that are right for this file."""
    tags = set(row["expected"].split(";"))
    if row["path"] in TEXTLESS or tags <= {"empty", "zero-byte", "whitespace-only", "images"}:
        return {"empty"}
    if "encrypted" in tags:
        return {"encrypted"}
    if "truncated" in tags:
        return {"corrupt"}
    if "corrupt" in tags or "malformed" in tags:
        return {"text", "corrupt"}  # read what can be read, or say it is damaged
    return {"text"}


def _check_text(row: dict, parsed, blocks) -> None:
    tags, text = row["expected"], _text(blocks)
    assert blocks and text.strip(), "no text blocks"
    if row["format"] in PAGED:
        assert all(block.page and 1 <= block.page <= parsed.page_count for block in blocks), "a block has no page"
    pages = re.search(r"many-pages\((\d+)\)", tags)
    if pages:
        assert parsed.page_count == int(pages.group(1))
    if "image-only" in tags or "needs-ocr" in tags:
        assert any("(OCR)" in block.location for block in blocks), "the scan was not read with OCR"
    if row["path"].startswith("pt/"):
        assert ACCENTED.search(text), "no Portuguese accents in the text"
    if row["path"].startswith("pt/") or "encoding(" in tags:
        assert not MOJIBAKE.search(text), f"mis-decoded text: {MOJIBAKE.search(text).group()!r}"
    if "cp866" in tags:
        assert re.search(r"[А-Яа-я]{5}", text)
    if "non-latin(zh)" in tags:
        assert re.search(r"[\u4e00-\u9fff]{3}", text)
    if "non-latin(ar)" in tags:
        assert re.search(r"[\u0600-\u06ff]{3}", text)


@pytest.mark.parametrize(
    "row", ROWS or [pytest.param(None, marks=pytest.mark.skip(reason=NO_DOCS))],
    ids=[row["path"] for row in ROWS] or ["no-manifest"],
)
def test_each_shared_document_ends_as_its_manifest_expects(row):
    path = DOCS / row["path"]
    if "OCR" in row["notes"] or "needs-ocr" in row["expected"] or "scanned" in row["expected"]:
        if not HAS_OCR:
            pytest.skip("tesseract is not installed: run scripts/system_packages.sh")
    if row["format"] in ("doc", "ppt") and not HAS_SOFFICE:
        pytest.skip("LibreOffice is not installed: run scripts/system_packages.sh")
    outcomes = _expected_outcomes(row)
    try:
        parsed, blocks = _parse(path)
    except ParseError as exc:
        assert exc.reason in outcomes, f"{exc.reason}: {exc.message}"
        assert exc.message.startswith(("no text found", "encrypted", "corrupt")), exc.message
        return
    assert "text" in outcomes, f"parsed, but expected {outcomes}"
    _check_text(row, parsed, blocks)
