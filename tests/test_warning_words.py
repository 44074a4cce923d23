"""What a parser noted about a document reaches the reader in their language: the worker stores each warning as a
code with parameters (retrieval.contracts.warnings) and the English detail; the document page, the documents list,
the admin and the API say it in pt-BR or English. In-process: fast. (The parsers storing each code:
test_parse_limits, test_word_structure, test_office_pictures, test_ocr_tables.)"""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from ingestion.types import Warnings
from retrieval.contracts import warnings
from retrieval.contracts.warnings import FileWarning
from webapp.accounts.models import ApiToken
from webapp.documents.models import Collection, Document
from webapp.documents.warnings import PARTS, TEXTS, describe

LEGACY = "page 7 could not be read (KeyError): skipped"
# Parameters for every code, as a parser stores them.
EXAMPLES = {
    warnings.PAGES_MISSING: {"declared": 12, "missing": 2, "found": 10},
    warnings.PAGE_UNREADABLE: {"page": 7, "error": "KeyError"},
    warnings.PAGE_NEEDS_OCR: {"page": 3},
    warnings.PAGE_NO_TEXT: {"page": 4},
    warnings.PAGE_OCR_TIMEOUT: {"page": 5, "seconds": 120},
    warnings.OCR_LOW_CONFIDENCE: {"count": 2, "pages": [2, 5], "confidence": 45},
    warnings.SLIDE_UNREADABLE: {"slide": 9, "error": "KeyError"},
    warnings.PART_UNREADABLE: {"part": "table", "number": 6, "error": "XMLSyntaxError"},
    warnings.PICTURES_NOT_READ: {},
    warnings.PICTURES_CAPPED: {"limit": 20},
    warnings.PICTURE_OCR_TIMEOUT: {"seconds": 120},
    warnings.ATTACHMENT_SKIPPED: {"name": "contrato.pdf", "reason": "encrypted"},
    warnings.MORE: {"n": 80},
}


def _stored(code: str) -> dict:
    return FileWarning(code, f"the English detail of {code}", EXAMPLES[code]).stored()


def _said(stored, language: str) -> str:
    with translation.override(language):
        return describe(stored)


def _placeholders(text) -> set[str]:
    with translation.override("en"):
        english = str(text)
    with translation.override("pt-br"):
        portuguese = str(text)
    assert portuguese != english, f"{english!r} has no pt-BR translation"
    return set(re.findall(r"%\((\w+)\)s", english + portuguese))


def test_every_code_has_words_using_only_its_parameters_in_both_languages():
    assert set(TEXTS) == set(warnings.PARAMS) == set(EXAMPLES)
    assert set(PARTS) == set(warnings.PARTS)
    for code in TEXTS:
        english, portuguese = _said(_stored(code), "en"), _said(_stored(code), "pt-br")
        assert portuguese != english, f"{code} has no pt-BR translation"
        for words in (english, portuguese):
            assert "?" not in words and "%(" not in words and "detail" not in words, (code, words)
    for text in PARTS.values():
        assert _placeholders(text) <= {"number"}


def test_a_plural_is_chosen_by_its_count_and_a_part_is_named_in_the_readers_language():
    one = FileWarning("ocr_low_confidence", "d", {"count": 1, "pages": [3], "confidence": 41}).stored()
    assert _said(one, "pt-br").startswith("O reconhecimento de texto (OCR) leu a página 3 com baixa confiança")
    assert _said(_stored("more_warnings"), "pt-br") == "… e mais 80 avisos."
    assert _said(_stored("more_warnings"), "en") == "… and 80 more warnings."
    assert _said(_stored("part_unreadable"), "pt-br").startswith("Não foi possível ler a tabela 6 (XMLSyntaxError)")
    assert _said(_stored("attachment_skipped"), "pt-br").startswith(
        "O anexo “contrato.pdf” não foi lido. O arquivo está protegido por senha"
    )


def test_a_warning_needs_a_known_code_and_exactly_its_parameters():
    for code, params in [("no_such_code", {}), ("page_unreadable", {"page": 1}), ("pictures_not_read", {"n": 1})]:
        with pytest.raises(AssertionError):
            FileWarning(code, "detail", params)


def test_past_the_cap_the_count_of_the_rest_is_a_warning_too():
    many = Warnings(FileWarning("page_no_text", f"page {n}: no text", {"page": n}) for n in range(1, 26))
    stored = many.stored()
    assert len(stored) == 21 and stored[-1]["code"] == "more_warnings" and stored[-1]["params"] == {"n": 5}


def test_an_unknown_code_shows_its_detail_and_a_legacy_string_shows_as_it_is():
    assert _said({"code": "from_a_newer_worker", "params": {}, "detail": "the detail"}, "pt-br") == "the detail"
    assert _said(LEGACY, "pt-br") == LEGACY


@pytest.fixture
def warned(db) -> Document:
    collection = Collection.objects.create(name="Manuais")
    stored = [_stored("page_unreadable"), _stored("ocr_low_confidence"), LEGACY]
    return Document.objects.create(
        collection=collection, title="Relatório", sha256="0" * 64, status=Document.Status.INDEXED, warnings=stored
    )


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("alice", password="alice-password", is_staff=True, is_superuser=True)


def test_the_document_page_the_documents_list_and_the_admin_say_the_warnings_in_portuguese(warned, staff):
    client = Client(HTTP_ACCEPT_LANGUAGE="pt-br")
    client.force_login(staff)
    page = client.get(f"/documents/{warned.pk}/").content.decode()
    assert "Não foi possível ler a página 7 (KeyError)" in page
    assert "leu 2 páginas (2, 5) com baixa confiança" in page
    assert LEGACY in page
    assert "English detail" not in page
    [row] = json.loads(client.get(f"/documents/status?id={warned.pk}").content)["documents"]
    assert row["warnings"][0].startswith("Não foi possível ler a página 7 (KeyError)")
    admin = client.get(f"/admin/documents/document/{warned.pk}/change/").content.decode()
    assert "Não foi possível ler a página 7 (KeyError)" in admin and "page_unreadable" not in admin


def test_the_api_says_the_warnings_in_the_requests_language_with_their_codes(warned, staff):
    _, raw = ApiToken.issue(user=staff)
    said = {}
    for language in ("pt-BR", "en"):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=language)
        said[language] = json.loads(client.get(f"/api/v1/documents/{warned.pk}").content)
    assert said["pt-BR"]["warnings"][0].startswith("Não foi possível ler a página 7")
    assert said["en"]["warnings"][0].startswith("Page 7 could not be read (KeyError)")
    for body in said.values():
        assert body["warnings"][2] == LEGACY
        assert body["warning_codes"] == ["page_unreadable", "ocr_low_confidence", ""]
