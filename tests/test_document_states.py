"""Each ingest state transition of `Document.objects` changes the row only when its condition holds.

Database only, in-process: the conditional UPDATEs that web and worker rely on to never undo each other.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from retrieval.contracts.failures import Failure
from webapp.documents.models import Collection, Document

pytestmark = pytest.mark.django_db
S = Document.Status
PREFIX = "acervo-states-test:"
BROKEN = Failure("corrupt", "broken")
GAVE_UP = Failure("gave_up", "gave up", {"n": 3})


@pytest.fixture
def document() -> Document:
    """A queued document no task was sent for, so no worker takes it."""
    collection = Collection.objects.create(name="states")
    return Document.objects.create(collection=collection, title="a", file="a.md", sha256="0" * 64)


def row(document: Document) -> Document:
    return Document.objects.get(pk=document.pk)


def claimed(document: Document, token: str, *, for_s: float = 30) -> int:
    now = timezone.now()
    return Document.objects.claim(document.pk, token, now=now, expires=now + timedelta(seconds=for_s))


def test_claim_takes_a_queued_document_nobody_holds(document):
    assert claimed(document, PREFIX + "a") == 1
    assert row(document).lease_owner == PREFIX + "a"


def test_claim_fails_while_another_attempt_holds_the_document(document):
    claimed(document, PREFIX + "a")
    assert claimed(document, PREFIX + "b") == 0
    assert row(document).lease_owner == PREFIX + "a"


def test_claim_takes_over_an_expired_lease_or_the_lease_of_the_attempt_it_resumes(document):
    claimed(document, PREFIX + "a", for_s=-1)
    assert claimed(document, PREFIX + "b") == 1
    now = timezone.now()
    taken = Document.objects.claim(document.pk, PREFIX + "c", now=now, expires=now, resume=PREFIX + "b")
    assert taken == 1 and row(document).lease_owner == PREFIX + "c"


@pytest.mark.parametrize("status", [S.INDEXED, S.FAILED])
def test_claim_leaves_an_ended_document_alone(document, status):
    Document.objects.filter(pk=document.pk).update(status=status)
    assert claimed(document, PREFIX + "a") == 0


def test_begin_counts_an_attempt_and_enters_the_stage_only_for_the_holder(document):
    claimed(document, PREFIX + "a")
    assert Document.objects.begin(document.pk, PREFIX + "b", S.PARSING) == 0
    assert Document.objects.begin(document.pk, PREFIX + "a", S.PARSING) == 1
    current = row(document)
    assert (current.attempts, current.status, current.stage, current.progress) == (1, S.PARSING, S.PARSING, 0.0)


def test_publish_only_for_the_holder_of_the_current_revision(document):
    claimed(document, PREFIX + "a")
    assert Document.objects.publish(document.pk, PREFIX + "b", document.revision, version=1) == 0
    assert Document.objects.publish(document.pk, PREFIX + "a", document.revision + 1, version=1) == 0
    assert row(document).status == S.QUEUED
    assert Document.objects.publish(document.pk, PREFIX + "a", document.revision, version=1, chunk_count=3) == 1
    current = row(document)
    assert (current.status, current.version, current.chunk_count, current.progress) == (S.INDEXED, 1, 3, 100.0)
    assert current.lease_expires_at is None


def test_fail_only_for_the_holder_of_the_current_revision(document):
    claimed(document, PREFIX + "a")
    Document.objects.requeue(document.pk)  # a newer request came while the attempt ran
    assert Document.objects.fail(document.pk, PREFIX + "a", document.revision, BROKEN) == 0
    assert Document.objects.fail(document.pk, PREFIX + "b", document.revision + 1, BROKEN) == 0
    assert Document.objects.fail(document.pk, PREFIX + "a", document.revision + 1, BROKEN) == 1
    failed = row(document)
    assert (failed.status, failed.error, failed.error_code, failed.error_params) == (S.FAILED, "broken", "corrupt", {})


def test_hand_over_leaves_the_document_queued_for_the_newer_request_only_for_the_holder(document):
    claimed(document, PREFIX + "a")
    Document.objects.advance(document.pk, S.EMBEDDING, 50.0)
    assert Document.objects.hand_over(document.pk, PREFIX + "b") == 0
    assert Document.objects.hand_over(document.pk, PREFIX + "a", version=2) == 1
    current = row(document)
    assert (current.status, current.stage, current.progress, current.version) == (S.QUEUED, "", 0.0, 2)
    assert current.lease_expires_at is None


def test_give_up_fails_only_a_document_not_ended(document):
    Document.objects.filter(pk=document.pk).update(status=S.INDEXED)
    assert Document.objects.give_up(document.pk, GAVE_UP) == 0
    Document.objects.filter(pk=document.pk).update(status=S.EMBEDDING)
    assert Document.objects.give_up(document.pk, GAVE_UP) == 1
    failed = row(document)
    assert (failed.status, failed.error_code, failed.error_params) == (S.FAILED, "gave_up", {"n": 3})


def test_requeue_queues_afresh_with_a_new_revision_whatever_the_state(document):
    Document.objects.filter(pk=document.pk).update(status=S.FAILED, stage=S.PARSING, **BROKEN.fields())
    assert Document.objects.requeue(document.pk, sha256="1" * 64) == 1
    current = row(document)
    assert (current.status, current.stage, current.error, current.revision) == (S.QUEUED, "", "", 2)
    assert (current.error_code, current.error_params) == ("", {})
    assert current.sha256 == "1" * 64


def test_rescue_queues_a_document_whose_lease_expired_once_and_only_of_this_install(document):
    Document.objects.filter(pk=document.pk).update(status=S.EMBEDDING)
    claimed(document, PREFIX + "a", for_s=-1)
    now = timezone.now()
    assert Document.objects.rescue(document.pk, now, "another-install:") == 0
    assert list(Document.objects.stale(now, PREFIX).values_list("pk", flat=True)) == [document.pk]
    assert Document.objects.rescue(document.pk, now, PREFIX) == 1
    assert Document.objects.rescue(document.pk, now, PREFIX) == 0  # a second sweeper finds nothing
    assert row(document).status == S.QUEUED


def test_rescue_leaves_a_live_lease_alone(document):
    claimed(document, PREFIX + "a")
    assert Document.objects.rescue(document.pk, timezone.now(), PREFIX) == 0


def test_release_and_renew_touch_only_the_holders_lease(document):
    claimed(document, PREFIX + "a")
    assert Document.objects.release(document.pk, PREFIX + "b") == 0
    later = timezone.now() + timedelta(minutes=5)
    assert Document.objects.renew([PREFIX + "a"], later) == 1
    assert row(document).lease_expires_at == later
    assert Document.objects.release(document.pk, PREFIX + "a") == 1
    assert Document.objects.renew([PREFIX + "a"], later) == 0  # released meanwhile: not brought back
    assert row(document).lease_owner == PREFIX + "a"  # who worked on it last stays recorded


def test_there_is_no_chunking_status_since_parsing_streams_into_chunks():
    assert "chunking" not in Document.Status.values
