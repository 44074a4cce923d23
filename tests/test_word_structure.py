"""Word files whose text is not in plain body paragraphs: tables with short and merged rows, nested tables,
content controls, tracked insertions, text boxes, headers; and odd parts that must not fail the whole file."""

import pytest
from docx.oxml import parse_xml

from ingestion.parsers import parse_file
from ingestion.pipeline import ingest_document
from retrieval.search import search_passages
from tests.hostile import rewrite_member, stored_document
from webapp.documents.models import Document

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
V = 'xmlns:v="urn:schemas-microsoft-com:vml"'


def _run(text: str) -> str:
    return f"<w:r><w:t xml:space='preserve'>{text}</w:t></w:r>"


def _cell(content: str) -> str:
    return f"<w:tc>{content}</w:tc>"


def form_without_body_paragraphs(path):
    """A form as offices make them: every word in a table, a content control, a text box or the header."""
    import docx

    document = docx.Document()
    document.sections[0].header.paragraphs[0].text = "Prefeitura de Vitória — protocolo"
    body = document.element.body
    nested = f"<w:tbl><w:tr>{_cell('<w:p>' + _run('nested cell') + '</w:p>')}</w:tr></w:tbl><w:p/>"
    elements = [
        # header row of three, a merged cell, a short row, a row inside a content control, a nested table
        f"""<w:tbl {W}><w:tr>{_cell('<w:p>' + _run('Campo') + '</w:p>')}{_cell('<w:p>' + _run('Valor') + '</w:p>')}
            {_cell('<w:p>' + _run('Nota') + '</w:p>')}</w:tr>
          <w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr><w:p>{_run('merged requerente')}</w:p></w:tc>
            {_cell('<w:p>' + _run('ok') + '</w:p>')}</w:tr>
          <w:tr>{_cell('<w:p>' + _run('short row') + '</w:p>')}</w:tr>
          <w:sdt><w:sdtPr/><w:sdtContent><w:tr>{_cell('<w:p>' + _run('row in a control') + '</w:p>')}
            {_cell(nested)}</w:tr></w:sdtContent></w:sdt></w:tbl>""",
        f"<w:sdt {W}><w:sdtPr/><w:sdtContent><w:p>{_run('block content control')}</w:p></w:sdtContent></w:sdt>",
        f"<w:p {W}><w:sdt><w:sdtPr/><w:sdtContent>{_run('inline content control')}</w:sdtContent></w:sdt></w:p>",
        f"<w:p {W}><w:ins w:id='1' w:author='a'>{_run('tracked insertion')}</w:ins>"
        f"<w:fldSimple w:instr='DATE'>{_run(' and a field')}</w:fldSimple></w:p>",
        f"<w:p {W} {V}><w:r><w:pict><v:shape><v:textbox><w:txbxContent><w:p>{_run('text box words')}</w:p>"
        f"</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>",
    ]
    for position, xml in enumerate(elements):
        body.insert(position, parse_xml(xml))
    # a paragraph style based on a numbering style: python-docx has no base_style for it (AttributeError)
    document.styles.element.append(parse_xml(
        f'<w:style {W} w:type="paragraph" w:styleId="Odd"><w:name w:val="Odd"/><w:basedOn w:val="NoList"/></w:style>'))
    document.styles.element.append(parse_xml(
        f'<w:style {W} w:type="numbering" w:styleId="NoList"><w:name w:val="No List"/></w:style>'))
    styled = f"<w:p {W}><w:pPr><w:pStyle w:val='Odd'/></w:pPr>{_run('styled oddly')}</w:p>"
    body.insert(len(elements), parse_xml(styled))
    document.save(str(path))
    return path


def test_a_word_form_is_read_in_order_from_its_tables_controls_text_boxes_and_header(tmp_path):
    parsed = parse_file(form_without_body_paragraphs(tmp_path / "form.docx"))
    blocks = list(parsed.blocks)

    assert [b.text for b in blocks] == [
        "Campo | Valor | Nota\nmerged requerente | ok\nshort row\nrow in a control | nested cell",
        "block content control", "inline content control", "tracked insertion and a field", "text box words",
        "styled oddly", "Prefeitura de Vitória — protocolo",
    ]
    assert blocks[0].location == "table 1, rows 1–4"
    assert (blocks[4].location, blocks[-1].location) == ("text box", "header and footer")
    assert list(parsed.warnings) == []


def test_a_part_that_cannot_be_read_is_skipped_with_a_warning_and_the_rest_is_kept(tmp_path):
    path = form_without_body_paragraphs(tmp_path / "chart.docx")
    with_chart(path, b"<c:chartSpace this is not xml")

    parsed = parse_file(path)
    text = "\n".join(block.text for block in parsed.blocks)

    assert "block content control" in text
    assert [w.stored() for w in parsed.warnings] == [{
        "code": "part_unreadable", "params": {"part": "charts", "number": None, "error": "XMLSyntaxError"},
        "detail": "charts could not be read (XMLSyntaxError): skipped"}]


@pytest.mark.django_db(transaction=True)
def test_a_word_form_is_indexed_and_found_by_the_words_of_its_content_controls(own_index, handbook, tmp_path):
    document = stored_document(handbook, form_without_body_paragraphs(tmp_path / "form.docx"))

    ingest_document(document.pk)

    document.refresh_from_db()
    assert document.status == Document.Status.INDEXED, document.error
    hits = search_passages("inline content control", collection_ids=[handbook.pk], limit=3, mode="sparse")
    assert hits and "inline content control" in hits[0].text


def with_chart(path, chart_xml: bytes) -> None:
    """Add a chart part (as Word links one) holding `chart_xml`."""
    import zipfile

    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("word/charts/chart1.xml", chart_xml)
    rewrite_member(path, "[Content_Types].xml", lambda xml: xml.replace(
        b"</Types>", b'<Override PartName="/word/charts/chart1.xml" ContentType="application/'
                     b'vnd.openxmlformats-officedocument.drawingml.chart+xml"/></Types>'))
    rewrite_member(path, "word/_rels/document.xml.rels", lambda xml: xml.replace(
        b"</Relationships>", b'<Relationship Id="rIdChart1" Type="http://schemas.openxmlformats.org/officeDocument/'
                             b'2006/relationships/chart" Target="charts/chart1.xml"/></Relationships>'))
