"""Deleting a collection deletes what deleting each of its documents would: rows, stored originals and vectors
(issue 18, item 15). Through the admin, with the real worker that owns the index."""

import time

import pytest
from django.urls import reverse

from tests.conftest import shared_with_team, wait_for_document
from tests.test_ingestion_lifecycle import VACATION, index_counts, upload
from webapp.documents.models import Chunk, Collection, Document

pytestmark = pytest.mark.django_db(transaction=True)


def _gone_from_index(document_ids: list[int], timeout: float = 30) -> dict[int, int]:
    deadline = time.monotonic() + timeout
    while any((counts := index_counts(document_ids)).values()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return counts


def test_deleting_a_collection_in_the_admin_removes_its_originals_and_vectors(client, alice, team, worker):
    alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    archive = Collection.objects.create(name="archive")
    shared_with_team(archive, team)
    documents = [wait_for_document(upload(alice, archive, name, VACATION + name.encode()).pk)
                 for name in ("a.md", "b.md")]
    assert all(d.status == Document.Status.INDEXED for d in documents)
    files = [(d.file.storage, d.file.name) for d in documents]
    ids = [d.pk for d in documents]

    response = client.post(reverse("admin:documents_collection_delete", args=[archive.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Document.objects.filter(pk__in=ids).exists() and not Chunk.objects.filter(document_id__in=ids).exists()
    assert not any(storage.exists(name) for storage, name in files)
    assert _gone_from_index(ids) == {pk: 0 for pk in ids}


def test_deleting_collections_from_the_list_does_the_same(client, alice, team, worker):
    alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    archive = Collection.objects.create(name="archive")
    document = wait_for_document(upload(alice, archive, "c.md", VACATION).pk)
    storage, name = document.file.storage, document.file.name

    response = client.post(reverse("admin:documents_collection_changelist"),
                           {"action": "delete_selected", "_selected_action": [archive.pk], "post": "yes"})

    assert response.status_code == 302
    assert not storage.exists(name)
    assert _gone_from_index([document.pk]) == {document.pk: 0}
