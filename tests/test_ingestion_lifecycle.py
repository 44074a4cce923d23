"""A document's life through the real worker: uploaded twice, replaced, re-ingested, re-indexed, deleted.

After each, the database and the index agree: the live version's chunks, as many vectors as chunks, nothing
of another version left. The index lives in the worker, so its counts are asked of it (ingestion.tasks.index_count).
"""

import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import transaction
from django.db.models import F

from bench.e2e import synthetic_pages
from ingestion import lease
from ingestion.pipeline import ERR_CRASHED
from retrieval.contracts import events
from tests.conftest import wait_for_document
from webapp import celery_app
from webapp.documents import services
from webapp.documents.models import Chunk, Document

pytestmark = pytest.mark.django_db(transaction=True)
VACATION = b"# Vacation\n\nEvery employee has thirty days of paid vacation per year.\n"


def index_counts(document_ids: list[int]) -> dict[int, int]:
    request_id = uuid.uuid4().hex
    celery_app.send_task("ingestion.tasks.index_count", args=[request_id, document_ids])
    reply = events.wait_reply(request_id, timeout_s=60)
    assert reply, "the worker did not answer"
    return {int(pk): count for pk, count in reply["documents"].items()}


def upload(user, collection, name: str, content: bytes) -> Document:
    document, _ = services.document_upload(user=user, file=ContentFile(content, name=name), collection=collection)
    return document


def live_chunk_texts(document: Document) -> list[str]:
    """The chunks a reader sees, in one statement (the version and its chunks read together)."""
    live = Chunk.objects.filter(document=document, version=F("document__version")).order_by("ordinal")
    return list(live.values_list("text", flat=True))


def assert_index_matches(document: Document) -> None:
    chunks = Chunk.objects.filter(document=document)
    assert chunks.count() == document.chunk_count > 0
    assert set(chunks.values_list("version", flat=True)) == {document.version}
    assert index_counts([document.pk])[document.pk] == document.chunk_count


def test_the_same_content_uploaded_twice_is_recognised_and_indexed_once(alice_api, handbook):
    first = alice_api.post("/documents", files={"file": ("a.md", VACATION)}, data={"collection": "handbook"}).json()
    second = alice_api.post("/documents", files={"file": ("copy.md", VACATION)}, data={"collection": "handbook"}).json()

    assert second["id"] == first["id"]
    assert Document.objects.filter(collection=handbook).count() == 1
    assert_index_matches(wait_for_document(first["id"]))


def test_a_new_version_replaces_chunks_and_vectors_and_readers_never_see_half_of_each(alice, handbook, worker):
    document = wait_for_document(upload(alice, handbook, "policy.md", VACATION).pk)
    old_texts, old_file = live_chunk_texts(document), document.file.name

    services.document_replace(user=alice, document=document, file=ContentFile(synthetic_pages(6, seed=3), name="policy-v2.md"))
    seen = set()
    while (current := Document.objects.get(pk=document.pk)).status not in ("indexed", "failed"):
        texts = live_chunk_texts(current)
        seen.add("old" if texts == old_texts else "new" if texts and "Manual" in texts[0] else f"mixed: {texts[:2]}")
        time.sleep(0.05)
    document = current

    assert document.status == Document.Status.INDEXED, document.error
    assert seen <= {"old", "new"} and "old" in seen
    assert "thirty days" not in " ".join(live_chunk_texts(document)) and document.version == 2
    assert document.original_name == "policy-v2.md" and not document.file.storage.exists(old_file)
    assert_index_matches(document)


def test_a_reingest_asked_for_during_an_ingest_runs_after_it(alice, handbook, worker):
    document = upload(alice, handbook, "manual.md", synthetic_pages(8, seed=4))
    while Document.objects.get(pk=document.pk).status != Document.Status.EMBEDDING:
        time.sleep(0.05)

    services.document_reingest(document=document)
    document = wait_for_document(document.pk, timeout=300)
    while document.status != Document.Status.INDEXED or document.version < 2:  # the first may publish, then requeue
        time.sleep(0.1)
        document = wait_for_document(document.pk, timeout=300)

    assert (document.version, document.revision) == (2, 2)
    assert_index_matches(document)


def test_reindexing_gives_the_same_chunks_and_vectors(alice, handbook, worker):
    document = wait_for_document(upload(alice, handbook, "manual.md", synthetic_pages(3, seed=5)).pk)
    before = list(Chunk.objects.filter(document=document).values_list("ordinal", "text", "char_start", "char_end"))

    call_command("reindex", collection="handbook")
    while (document := wait_for_document(document.pk)).version < 2:
        time.sleep(0.1)

    after = list(Chunk.objects.filter(document=document).values_list("ordinal", "text", "char_start", "char_end"))
    assert after == before
    assert_index_matches(document)


def test_deleting_a_document_removes_its_chunks_vectors_and_stored_file(alice, handbook, worker):
    document = wait_for_document(upload(alice, handbook, "a.md", VACATION).pk)
    document_id, storage, name = document.pk, document.file.storage, document.file.name

    services.document_delete(user=alice, document=document)

    assert not Chunk.objects.filter(document_id=document_id).exists()
    assert not storage.exists(name)
    deadline = time.monotonic() + 30
    while index_counts([document_id])[document_id] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert index_counts([document_id])[document_id] == 0


def test_a_document_that_stopped_its_worker_too_often_fails_saying_so(alice, handbook, worker, django_capture_on_commit_callbacks):
    # Queued below, once it looks like a repeat offender; in one transaction, so no worker (a sweep, another
    # test's leftovers) ever sees it with fewer attempts (the whole file once saw it indexed).
    with django_capture_on_commit_callbacks(execute=False), transaction.atomic():
        document = upload(alice, handbook, "a.md", VACATION)
        Document.objects.filter(pk=document.pk).update(attempts=lease.MAX_ATTEMPTS)

    services.enqueue_ingest(document.pk)
    document = wait_for_document(document.pk)

    assert document.status == Document.Status.FAILED
    assert document.error == ERR_CRASHED.format(n=lease.MAX_ATTEMPTS)
    assert (document.error_code, document.error_params) == ("worker_crashed", {"n": lease.MAX_ATTEMPTS})


def test_the_worker_hands_the_gil_over_within_a_millisecond(worker):
    # Its threads mix Python with native code that releases the GIL; at Python's 5 ms two ingests ran nearly one
    # after the other (webapp.worker.GIL_SWITCH_S says what was measured).
    from webapp.worker import GIL_SWITCH_S

    request_id = uuid.uuid4().hex
    celery_app.send_task("ingestion.tasks.index_count", args=[request_id, []])
    reply = events.wait_reply(request_id, timeout_s=60)

    assert GIL_SWITCH_S < 0.005  # Python's default
    assert reply and reply["switch_interval_s"] == pytest.approx(GIL_SWITCH_S)
