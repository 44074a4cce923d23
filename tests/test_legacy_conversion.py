"""Files Acervo does not recognise itself are tried through LibreOffice before they are refused (issue 20): a
WordPerfect document inside a compound file, named .doc, is read; bytes nobody recognises fail with a reason and are
never imported as text."""

import os
import shutil

import pytest

from ingestion.detect import detect_type
from ingestion.parsers import parse_file
from ingestion.types import ParseError
from tests.compound import wordperfect_in_compound_file
from tests.conftest import wait_for_document

pytestmark = pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed: run "
                                                                          "scripts/system_packages.sh")
POLICY = ["Politica de ferias", "Todo colaborador tem direito a trinta dias de ferias por ano."]


def test_a_wordperfect_file_inside_a_compound_file_named_doc_is_converted_and_read(tmp_path):
    path = tmp_path / "ferias.doc"
    path.write_bytes(wordperfect_in_compound_file(POLICY))
    assert detect_type(path) == "ole"  # not a Word file: no WordDocument stream

    parsed = parse_file(path)

    text = "\n".join(block.text for block in parsed.blocks)
    assert "Politica de ferias" in text and "trinta dias de ferias" in text


def test_an_unknown_binary_is_refused_with_a_reason_and_never_read_as_text(tmp_path):
    # Not random (random bytes are refused at detection, as garbled, before LibreOffice): a binary no one reads.
    path = tmp_path / "relatorio.pdf"
    path.write_bytes(b"\x89\x00\x00\x00\x07\x00\x00\x00" * 8192)

    with pytest.raises(ParseError) as caught:
        parse_file(path)

    # LibreOffice either cannot load it or finds no text in it: either way nothing of it is indexed
    assert caught.value.reason in ("unsupported", "empty"), caught.value.message


def test_random_bytes_are_refused_as_corrupt_before_any_conversion(tmp_path):
    path = tmp_path / "relatorio.pdf"
    path.write_bytes(os.urandom(64 * 1024))

    with pytest.raises(ParseError) as caught:
        parse_file(path)

    assert caught.value.reason == "corrupt"


@pytest.mark.django_db(transaction=True)
def test_an_uploaded_wordperfect_doc_is_accepted_and_indexed(alice_api, handbook):
    upload = ("ferias.doc", wordperfect_in_compound_file(POLICY), "application/msword")
    response = alice_api.post("/documents", data={"collection": "handbook"}, files={"file": upload})

    assert response.status_code == 202, response.text
    document = wait_for_document(response.json()["id"])
    assert document.status == "indexed", document.error
    assert document.chunk_count >= 1


def test_two_conversions_at_once_both_read_their_file(tmp_path):
    # The worker ingests INGEST_CONCURRENCY documents at once: two LibreOffice instances sharing one profile
    # blocked each other, and the second .doc failed as "corrupt" (seen with the shared files at concurrency 2).
    from concurrent.futures import ThreadPoolExecutor

    paths = []
    for n in range(3):
        path = tmp_path / f"ferias-{n}.doc"
        path.write_bytes(wordperfect_in_compound_file([f"Politica {n}", f"Regra numero {n} das ferias anuais."]))
        paths.append(path)

    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = list(pool.map(lambda p: "\n".join(block.text for block in parse_file(p).blocks), paths))

    for n, text in enumerate(texts):
        assert f"Regra numero {n}" in text
