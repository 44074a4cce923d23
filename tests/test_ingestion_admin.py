"""The documents admin: many files uploaded at once, a failed document retried, ingestion visible in the list."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ingestion import lease
from tests.conftest import wait_for_document
from webapp.documents import services
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def alice_admin(client, alice):
    alice.user_permissions.add(*Permission.objects.filter(content_type__app_label="documents"))
    client.force_login(alice)
    return client


def test_many_files_chosen_at_once_on_the_add_page_each_become_an_indexed_document(alice_admin, handbook, worker):
    files = [SimpleUploadedFile("ferias.md", b"# Ferias\n\nTrinta dias por ano."),
             SimpleUploadedFile("reembolso.txt", b"Despesas reembolsadas em dez dias."),
             SimpleUploadedFile("vazio.txt", b"")]

    response = alice_admin.post(reverse("admin:documents_document_add"),
                                {"collection": handbook.pk, "files": files, "title": ""})

    assert response.status_code == 302 and response.url == reverse("admin:documents_document_changelist")
    documents = Document.objects.order_by("original_name")
    assert [d.original_name for d in documents] == ["ferias.md", "reembolso.txt"]
    assert all(wait_for_document(d.pk).status == Document.Status.INDEXED for d in documents)
    page = alice_admin.get(reverse("admin:documents_document_changelist")).content.decode()
    assert "2 file(s) uploaded and queued" in page and "Vazio.txt: The file is empty" in page


def test_a_failed_document_is_retried_from_the_list(alice_admin, alice, handbook, worker, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        document, _ = services.document_upload(user=alice, collection=handbook,
                                               file=SimpleUploadedFile("ferias.md", b"Trinta dias por ano."))
    Document.objects.filter(pk=document.pk).update(attempts=lease.MAX_ATTEMPTS)  # as if it had crashed workers
    services.enqueue_ingest(document.pk)
    failed = wait_for_document(document.pk)
    assert failed.status == Document.Status.FAILED
    listing = alice_admin.get(reverse("admin:documents_document_changelist")).content.decode()
    assert "failed" in listing and "the worker stopped" in listing

    alice_admin.post(reverse("admin:documents_document_changelist"),
                     {"action": "retry_ingest", "_selected_action": [document.pk]})

    assert wait_for_document(document.pk).status == Document.Status.INDEXED
