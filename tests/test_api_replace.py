"""Replacing a document's file over the API: PUT /api/v1/documents/{id} with a multipart `file`.

Real worker, real web server, real index: the new version is searched, the old one is gone.
"""

import pytest

from tests.conftest import api_client, wait_for_document
from webapp.documents.models import Chunk, Document

pytestmark = pytest.mark.django_db(transaction=True)

OLD = b"The cafeteria serves marzipan on Fridays."
NEW = b"The cafeteria serves pistachio gelato on Fridays."


def upload(client, name: str, content: bytes):
    return client.post("/documents", files={"file": (name, content, "text/plain")}, data={"collection": "handbook"})


def replace(client, document_id: int, content: bytes, name: str = "menu.txt"):
    return client.put(f"/documents/{document_id}", files={"file": (name, content, "text/plain")})


def found_in(client, document_id: int, word: str) -> list[str]:
    """The texts of the document's passages a lexical search for `word` finds."""
    response = client.post("/search", json={"query": word, "mode": "sparse"})
    assert response.status_code == 200, response.text
    return [p["text"] for p in response.json()["passages"] if p["document_id"] == document_id]


def test_a_replaced_file_is_indexed_again_and_only_its_new_words_are_found(alice_api, handbook):
    document = wait_for_document(upload(alice_api, "menu.txt", OLD).json()["id"])
    assert found_in(alice_api, document.pk, "marzipan")

    response = replace(alice_api, document.pk, NEW)

    assert response.status_code == 202, response.text
    assert response.json()["id"] == document.pk and response.json()["status"] == "queued"
    assert Document.objects.get(pk=document.pk).revision == document.revision + 1
    replaced = wait_for_document(document.pk)
    assert replaced.status == Document.Status.INDEXED, replaced.error
    assert replaced.version == document.version + 1
    assert set(Chunk.objects.filter(document=replaced).values_list("version", flat=True)) == {replaced.version}
    assert any("pistachio" in text for text in found_in(alice_api, document.pk, "pistachio"))
    assert found_in(alice_api, document.pk, "marzipan") == []


def test_the_same_content_again_is_200_and_queues_nothing(alice_api, handbook):
    uploaded = upload(alice_api, "menu.txt", OLD).json()
    before = Document.objects.get(pk=uploaded["id"])

    response = replace(alice_api, before.pk, OLD, name="renamed.txt")

    assert response.status_code == 200, response.text
    after = Document.objects.get(pk=before.pk)
    assert (after.revision, after.original_name) == (before.revision, "menu.txt")


def test_the_content_of_another_document_of_the_collection_is_409_naming_it(alice_api, handbook):
    first = upload(alice_api, "old.txt", OLD).json()
    second = upload(alice_api, "new.txt", NEW).json()

    response = replace(alice_api, first["id"], NEW)

    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert error["code"] == "duplicate" and error["details"]["document_id"] == second["id"]
    assert Document.objects.get(pk=first["id"]).original_name == "old.txt"


def test_a_file_no_parser_reads_is_415_and_the_current_version_stays(alice_api, handbook):
    uploaded = upload(alice_api, "menu.txt", OLD).json()
    before = Document.objects.get(pk=uploaded["id"])

    gzip = b"\x1f\x8b\x08\x00" + bytes(range(256)) * 64  # recognised, never read
    response = alice_api.put(f"/documents/{before.pk}", files={"file": ("blob.gz", gzip)})

    assert response.status_code == 415 and response.json()["error"]["code"] == "unsupported_media_type"
    after = Document.objects.get(pk=before.pk)
    assert (after.sha256, after.revision) == (before.sha256, before.revision)


def test_a_reader_who_is_not_staff_is_403(web, alice_api, bob, handbook):
    uploaded = upload(alice_api, "menu.txt", OLD).json()
    before = Document.objects.get(pk=uploaded["id"])

    with api_client(web, bob) as client:
        response = replace(client, before.pk, NEW)

    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert Document.objects.get(pk=before.pk).sha256 == before.sha256


def test_a_token_without_the_documents_scope_is_403(web, alice_api, alice, handbook):
    from webapp.accounts.models import ApiToken

    uploaded = upload(alice_api, "menu.txt", OLD).json()
    _, raw = ApiToken.issue(user=alice, scopes=["chat"])

    response = alice_api.put(f"/documents/{uploaded['id']}", files={"file": ("menu.txt", NEW, "text/plain")},
                             headers={"Authorization": f"Bearer {raw}"})

    assert response.status_code == 403 and "documents" in response.json()["error"]["message"]


def test_a_document_the_caller_may_not_read_is_404_like_one_that_does_not_exist(web, alice_api, charlie, handbook):
    uploaded = upload(alice_api, "menu.txt", OLD).json()

    with api_client(web, charlie) as client:
        hidden = replace(client, uploaded["id"], NEW)
    missing = replace(alice_api, 999999, NEW)

    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json()
    assert Document.objects.get(pk=uploaded["id"]).original_name == "menu.txt"
