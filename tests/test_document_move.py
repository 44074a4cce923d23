"""Moving a document to another collection changes who finds it, in search as in everything else, at once for
the readers it loses and once it is re-indexed for the readers it gains (issue 18, item 2). The move is made in
the admin; searches go through the API and the real worker that owns the index."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse

from tests.conftest import api_client, wait_for_document
from tests.test_api_search import upload
from webapp.access.grants import grant
from webapp.documents.models import Collection, Document

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "Executive salaries rise twelve percent next year, decided the board in March."
MODES = ("hybrid", "dense", "sparse")


@pytest.fixture
def board(db):
    collection = Collection.objects.create(name="board")
    grant(collection, group=Group.objects.create(name="board-members"))
    return collection


@pytest.fixture
def dave(board):
    user = User.objects.create_user("dave", password="dave-password")
    user.groups.add(*Group.objects.filter(grants__collection=board))
    return user


def found_by(web, user, document_id: int) -> set[str]:
    """The search modes in which `user` finds the document."""
    with api_client(web, user) as client:
        modes = set()
        for mode in MODES:
            response = client.post("/search", json={"query": SECRET, "k": 10, "mode": mode})
            assert response.status_code == 200, response.text
            if document_id in {p["document_id"] for p in response.json()["passages"]}:
                modes.add(mode)
    return modes


def move_in_admin(client, document: Document, collection: Collection):
    response = client.post(reverse("admin:documents_document_change", args=[document.pk]),
                           {"title": document.title, "collection": collection.pk,
                            "chunks-TOTAL_FORMS": 0, "chunks-INITIAL_FORMS": 0})
    assert response.status_code == 302, response.context and [str(e) for e in response.context["errors"]]


def test_a_moved_document_leaves_its_old_readers_search_and_reaches_its_new_ones(
    client, web, worker, alice, bob, dave, handbook, board
):
    alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    with api_client(web, alice) as api:
        document_id = upload(api, "handbook", "salaries.txt", SECRET)
    assert found_by(web, bob, document_id) == set(MODES)
    assert found_by(web, dave, document_id) == set()

    move_in_admin(client, Document.objects.get(pk=document_id), board)

    assert found_by(web, bob, document_id) == set()  # at once, before the worker re-indexes it
    assert wait_for_document(document_id).status == Document.Status.INDEXED
    assert Document.objects.get(pk=document_id).collection == board
    assert found_by(web, bob, document_id) == set()
    assert found_by(web, dave, document_id) == set(MODES)


def test_a_collection_no_longer_readable_by_a_group_leaves_its_search_at_once(web, worker, alice, bob, handbook):
    with api_client(web, alice) as api:
        document_id = upload(api, "handbook", "salaries.txt", SECRET)
    assert found_by(web, bob, document_id) == set(MODES)

    handbook.grants.all().delete()

    assert found_by(web, bob, document_id) == set()
