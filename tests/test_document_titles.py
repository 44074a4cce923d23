"""A document is named by its own title where it has one (PDF metadata or its largest lettering, DOCX/PPTX core
properties, HTML <title>, a heading it starts with), its file name kept beside it; a title given at upload wins."""

import pytest

from ingestion.parsers import parse_file
from ingestion.titles import usable_title
from tests.conftest import wait_for_document
from tests.test_parsers import DOCS, NO_DOCS


def _docx(path, *, title: str, heading: str = "") -> None:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    if heading:
        document.add_heading(heading, level=1)
    document.add_paragraph("Every employee has thirty days of paid vacation per year.")
    document.save(str(path))


def _title_of(path) -> str:
    parsed = parse_file(path)
    list(parsed.blocks)
    return usable_title(parsed.title, path.name)


def test_a_word_files_core_title_names_it(tmp_path):
    path = tmp_path / "pol_rh_v3_final.docx"
    _docx(path, title="Vacation Policy 2027", heading="Introduction")
    assert _title_of(path) == "Vacation Policy 2027"


def test_without_a_core_title_the_heading_it_starts_with_names_it(tmp_path):
    path = tmp_path / "pol.docx"
    _docx(path, title="", heading="Política de Férias")
    assert _title_of(path) == "Política de Férias"
    markdown = tmp_path / "notes.md"
    markdown.write_text("# Onboarding checklist\n\nBring your ID on the first day.\n")
    assert _title_of(markdown) == "Onboarding checklist"


def test_a_web_pages_title_names_it(tmp_path):
    path = tmp_path / "page.html"
    path.write_text("<html><head><title>Expense rules</title></head><body><p>Receipts within 30 days.</p></body></html>")
    assert _title_of(path) == "Expense rules"


@pytest.mark.parametrize("placeholder", ["Microsoft Word - rh.doc", "PowerPoint Presentation", "Untitled", "Slide 1",
                                         "SEÇÃO IV", "report_final.pdf", "  ", "12/2020"])
def test_what_authoring_tools_leave_in_the_title_field_is_no_title(placeholder):
    assert usable_title(placeholder) == ""


def test_the_file_name_itself_is_no_title():
    assert usable_title("ResolucaoCEPN189_2005-1", "ResolucaoCEPN189_2005-1.pdf") == ""


@pytest.mark.parametrize("relative, title", [
    ("pt/abntex2-modelo-artigo.pdf", "Modelo Canônico de Artigo Científico com abnTeX2"),  # metadata
    ("pdf/multi-column-2p.pdf", "Dense Passage Retrieval for Open-Domain Question Answering"),  # largest lettering
    ("pt/ibama-autuacao-amazonas-2010-pag2.pdf", "Relatório de Autuações Ambientais"),
])
def test_a_pdf_is_named_by_its_metadata_or_its_largest_lettering(relative, title):
    path = DOCS / relative
    if not path.exists():
        pytest.skip(NO_DOCS)
    assert _title_of(path) == title


@pytest.mark.django_db(transaction=True)
def test_an_upload_gets_its_own_title_unless_one_was_given(alice_api, handbook, tmp_path):
    path = tmp_path / "pol_rh.docx"
    _docx(path, title="Vacation Policy 2027")
    content = path.read_bytes()
    own = alice_api.post("/documents", files={"file": ("pol_rh.docx", content)}, data={"collection": "handbook"})
    assert own.status_code == 202, own.text
    document = wait_for_document(own.json()["id"])
    assert document.status == "indexed", document.error
    assert (document.title, document.original_name) == ("Vacation Policy 2027", "pol_rh.docx")

    _docx(path, title="Vacation Policy 2027 (copy)")
    given = alice_api.post("/documents", files={"file": ("pol_rh2.docx", path.read_bytes())},
                           data={"collection": "handbook", "title": "HR: vacation"})
    assert given.status_code == 202, given.text
    assert wait_for_document(given.json()["id"]).title == "HR: vacation"
