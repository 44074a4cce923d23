"""POST /api/v1/search: ranked passages, only from collections the caller may read."""

import pytest
from django.contrib.auth.models import Group

from tests.conftest import api_client, wait_for_document
from webapp.access.grants import grant
from webapp.documents.models import Collection

pytestmark = pytest.mark.django_db(transaction=True)


def upload(client, collection: str, name: str, text: str) -> int:
    response = client.post("/documents", files={"file": (name, text.encode(), "text/plain")}, data={"collection": collection})
    assert response.status_code == 202, response.text
    document = wait_for_document(response.json()["id"])
    assert document.status == "indexed", document.error
    return document.pk


def test_search_returns_the_matching_passage_with_its_location(alice_api, handbook):
    document_id = upload(alice_api, "handbook", "expenses.txt", "Travel expenses are reimbursed within ten business days.")
    response = alice_api.post("/search", json={"query": "when are travel expenses reimbursed", "k": 3})
    assert response.status_code == 200, response.text
    passages = response.json()["passages"]
    assert passages[0]["document_id"] == document_id and "reimbursed" in passages[0]["text"]
    assert {"title", "page", "heading_path", "score", "chunk_id"} <= set(passages[0])


def test_a_better_match_in_an_unreadable_collection_never_appears(web, worker, alice, bob, handbook):
    board = Collection.objects.create(name="board")
    grant(board, group=Group.objects.create(name="board-members"))
    alice.is_superuser = True  # alice uploads to both; bob reads only the handbook
    alice.save()
    with api_client(web, alice) as client:
        secret = upload(client, "board", "salaries.txt", "Executive salaries rise twelve percent next year.")
        upload(client, "handbook", "vacation.txt", "Vacation is thirty days per year.")
    with api_client(web, bob) as client:
        for mode in ("hybrid", "dense", "sparse"):
            response = client.post("/search", json={"query": "executive salaries rise twelve percent", "k": 10, "mode": mode})
            assert response.status_code == 200
            assert secret not in {p["document_id"] for p in response.json()["passages"]}, mode
        assert client.post("/search", json={"query": "salaries", "collection": "board"}).status_code == 404


def test_search_validates_its_input(alice_api):
    assert alice_api.post("/search", json={"query": ""}).status_code == 400
    assert alice_api.post("/search", json={"query": "x", "k": 0}).status_code == 400
    assert alice_api.post("/search", json={"query": "x", "mode": "fuzzy"}).status_code == 400
