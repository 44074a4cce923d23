"""The lease that lets one attempt at a time work on a document, and lets a dead attempt's document be rescued.

Database only: these are the conditional updates every worker relies on; the worker tests show them at work.
"""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import timezone

from ingestion import lease
from webapp.documents import services
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def document(alice, handbook):
    """A queued document that no task was sent for: the session's live worker must never take it."""
    created = Document(collection=handbook, title="a", original_name="a.md", sha256="0" * 64, uploaded_by=alice)
    created.file.save("a.md", ContentFile(b"Thirty days."), save=False)
    created.save()
    return created


@pytest.fixture(autouse=True)
def own_install(settings):
    """This test's leases under an install prefix of their own, so the session's live worker (whose sweep
    rescues only its own install's documents) never races the test for them."""
    import uuid

    settings.REDIS_KEY_PREFIX = f"acervo-lease-test-{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def claim():
    """lease.claim, releasing every lease it took after the test (else this process would keep renewing them)."""
    taken = []

    def take(document_id: int, **kwargs):
        held = lease.claim(document_id, **kwargs)
        taken.append(held)
        return held

    yield take
    for held in filter(None, taken):
        lease.release(held)


def expire(document: Document) -> None:
    Document.objects.filter(pk=document.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))


def test_only_one_attempt_can_hold_a_document(document, claim):
    first = claim(document.pk)
    assert first is not None
    assert claim(document.pk) is None
    lease.release(first)
    assert claim(document.pk) is not None


def test_an_expired_lease_can_be_taken_over_and_counts_the_unfinished_attempt(document, claim):
    assert lease.begin(claim(document.pk)).attempts == 1
    expire(document)
    second = claim(document.pk)
    assert second is not None and lease.begin(second).attempts == 2


def test_a_retry_takes_over_the_lease_its_failed_attempt_kept(document, claim):
    failed = claim(document.pk)
    lease.release(failed, hold_s=lease.LEASE_S)  # a transient fault: kept, so the sweep leaves it to the retry
    assert claim(document.pk) is None
    assert claim(document.pk, resume=failed.token) is not None


def test_the_retry_of_an_attempt_whose_end_the_database_could_not_record_is_not_counted_again(document, claim):
    failed = claim(document.pk)
    assert lease.begin(failed).attempts == 1
    # The database went away mid-attempt, so its release (which ends the count) was never written.
    retry = claim(document.pk, resume=failed.token)
    assert lease.begin(retry).attempts == 1
    lease.release(retry, hold_s=lease.LEASE_S)  # this time the database was there: the count ends
    assert lease.begin(claim(document.pk, resume=retry.token)).attempts == 1


def test_the_attempt_that_lost_its_lease_is_told_so(document, claim):
    first = claim(document.pk)
    expire(document)
    claim(document.pk)
    lease.renew(first)
    assert first.lost.is_set()


def test_a_deleted_document_makes_its_attempt_lose_the_lease(document, claim):
    held = claim(document.pk)
    Document.objects.filter(pk=document.pk).delete()
    lease.renew(held)
    assert held.lost.is_set()


def test_an_ended_document_is_not_claimed(document, claim):
    Document.objects.filter(pk=document.pk).update(status=Document.Status.INDEXED)
    assert claim(document.pk) is None


def test_a_document_left_mid_stage_by_a_dead_attempt_is_queued_again_once(document, claim):
    claim(document.pk)
    Document.objects.filter(pk=document.pk).update(status=Document.Status.EMBEDDING)
    assert lease.requeue_stale() == []  # the lease is still running
    expire(document)
    assert lease.requeue_stale() == [document.pk]
    assert lease.requeue_stale() == []
    assert Document.objects.get(pk=document.pk).status == Document.Status.QUEUED


def test_a_document_waiting_its_turn_in_a_dead_worker_is_queued_again(document, claim):
    claim(document.pk)  # claimed while another document had the ingest slot: still queued
    expire(document)
    # Only the sweep's answer is asserted: the task it queues may be taken at once by the session's live worker.
    assert lease.requeue_stale() == [document.pk]


def test_a_fresh_upload_waiting_in_the_broker_is_not_swept(document):
    assert lease.requeue_stale() == []


def test_a_sweep_leaves_documents_of_another_install_alone(document):
    Document.objects.filter(pk=document.pk).update(
        status=Document.Status.PARSING, lease_owner="another-install:host:1:abc",
        lease_expires_at=timezone.now() - timedelta(minutes=5),
    )
    assert not settings.REDIS_KEY_PREFIX.startswith("another-install")
    assert lease.requeue_stale() == []


def test_releasing_keeps_the_last_owner_and_clears_the_unfinished_count(document, claim):
    held = claim(document.pk)
    lease.release(held)
    row = Document.objects.get(pk=document.pk)
    assert (row.lease_owner, row.lease_expires_at, row.attempts) == (held.token, None, 0)


def test_a_new_request_during_an_attempt_is_seen_as_a_newer_revision(document, claim):
    held = claim(document.pk)
    lease.begin(held)
    services.document_reingest(document=document)
    assert Document.objects.get(pk=document.pk).revision == held.revision + 1


def test_an_attempt_serves_the_request_it_finds_when_it_begins(document, claim):
    """A new request made while the claim waited its turn is the one the attempt reads and publishes."""
    held = claim(document.pk)
    services.document_reingest(document=document)
    lease.begin(held)
    assert held.revision == Document.objects.get(pk=document.pk).revision == 2
