"""Why a document failed reaches the reader in their language: the worker stores a code with parameters
(retrieval.contracts.failures) and the English detail; the page and the API say it in pt-BR or English, with the
detail beside it. In-process: fast. (The real pipeline storing each code: test_unseen_garbage, test_parse_limits,
test_ingestion_lifecycle, test_document_states.)"""

import json
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import translation

from ingestion.types import ParseError
from retrieval.contracts import failures
from retrieval.contracts.failures import Failure
from webapp.accounts.models import ApiToken
from webapp.documents.failures import TEXTS, describe
from webapp.documents.models import Collection, Document

DETAIL = "corrupt: PDF could not be read (Data format error); upload the original file"


def test_every_code_has_words_using_only_its_parameters_in_both_languages():
    assert set(TEXTS) == set(failures.PARAMS)
    assert set(ParseError.REASONS) <= set(failures.PARAMS)
    for code, text in TEXTS.items():
        with translation.override("en"):
            english = str(text)
        with translation.override("pt-br"):
            portuguese = str(text)
        for words in (english, portuguese):
            assert set(re.findall(r"%\((\w+)\)s", words)) <= set(failures.PARAMS[code]), (code, words)
        assert portuguese != english, f"{code} has no pt-BR translation"


def test_a_failure_needs_a_known_code_and_exactly_its_parameters():
    assert Failure("time_limit", "took too long", {"limit": 5}).fields() == {
        "error": "took too long", "error_code": "time_limit", "error_params": {"limit": 5}}
    for code, params in [("no_such_code", {}), ("time_limit", {}), ("corrupt", {"limit": 5})]:
        with pytest.raises(AssertionError):
            Failure(code, "detail", params)


def test_parameters_fill_the_sentence_and_an_unknown_code_shows_its_detail():
    with translation.override("pt-br"):
        assert "120 s" in describe("time_limit", {"limit": 120}) and "INGEST_TIME_LIMIT_S" in describe(
            "time_limit", {"limit": 120})
        assert describe("from_a_newer_worker", {}, "the English detail") == "the English detail"
        assert describe("worker_crashed", {}).count("?") == 1  # a missing parameter shows, it does not crash


@pytest.fixture
def failed(db) -> Document:
    collection = Collection.objects.create(name="Manuais")
    return Document.objects.create(collection=collection, title="Relatório", sha256="0" * 64,
                                   status=Document.Status.FAILED, stage="parsing",
                                   **Failure("corrupt", DETAIL).fields())


@pytest.fixture
def staff(db) -> User:
    return User.objects.create_user("alice", password="alice-password", is_staff=True, is_superuser=True)


def test_the_document_page_says_why_in_portuguese_with_the_english_detail(failed, staff):
    client = Client(HTTP_ACCEPT_LANGUAGE="pt-br")
    client.force_login(staff)
    page = client.get(f"/documents/{failed.pk}/").content.decode()
    assert "O arquivo está danificado ou não pôde ser lido" in page
    assert "Detalhe técnico" in page and "Data format error" in page


def test_the_api_says_why_in_the_requests_language_with_the_code_and_detail(failed, staff):
    _, raw = ApiToken.issue(user=staff)
    said = {}
    for language in ("pt-BR", "en"):
        client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE=language)
        said[language] = json.loads(client.get(f"/api/v1/documents/{failed.pk}").content)
    assert said["pt-BR"]["error"].startswith("O arquivo está danificado")
    assert said["en"]["error"].startswith("The file is damaged")
    for body in said.values():
        assert (body["error_code"], body["error_detail"]) == ("corrupt", DETAIL)


def test_a_document_failed_before_codes_existed_shows_its_text_as_it_is(failed, staff):
    Document.objects.filter(pk=failed.pk).update(error_code="", error_params={})
    client = Client(HTTP_ACCEPT_LANGUAGE="pt-br")
    client.force_login(staff)
    page = client.get(f"/documents/{failed.pk}/").content.decode()
    assert "Data format error" in page and "Detalhe técnico" not in page
