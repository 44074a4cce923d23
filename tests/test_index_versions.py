"""The index versions' state transitions (webapp/documents/index_versions.py), in-process: each is one conditional
UPDATE, and its condition is what keeps two workers, or a dead attempt and a live one, from undoing each other."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from webapp.documents.models import IndexVersion

pytestmark = pytest.mark.django_db
V = IndexVersion.State
LATER = timedelta(minutes=2)


@pytest.fixture
def active():
    return IndexVersion.objects.adopt(model="old-model", dim=512, collection="chunks_old_model_512")


@pytest.fixture
def build(active):
    """A build for "new-model", held by attempt "a" and prepared (its collection known)."""
    version = IndexVersion.objects.begin(model="new-model")
    now = timezone.now()
    assert IndexVersion.objects.claim(version.pk, "a", now=now, expires=now + LATER) == 1
    assert IndexVersion.objects.prepare(version.pk, "a", dim=384, collection="chunks_new_model_v2_384") == 1
    return version


def state(version) -> str:
    return IndexVersion.objects.get(pk=version.pk).state


def test_a_finished_build_becomes_active_and_the_old_version_is_retired_in_one_step(active, build):
    assert IndexVersion.objects.activate(build.pk, "a", now=timezone.now()) == 1
    assert (state(active), state(build)) == (V.RETIRED, V.ACTIVE)
    assert IndexVersion.objects.active().pk == build.pk


def test_an_attempt_that_lost_the_build_cannot_switch_and_nothing_changes(active, build):
    assert IndexVersion.objects.activate(build.pk, "someone-else", now=timezone.now()) == 0
    assert (state(active), state(build)) == (V.ACTIVE, V.BUILDING)


def test_there_is_never_more_than_one_active_version(active):
    with pytest.raises(IntegrityError), transaction.atomic():
        IndexVersion.objects.create(model="other", dim=8, collection="x", state=V.ACTIVE)
    again = IndexVersion.objects.adopt(model="other", dim=8, collection="x")
    assert again.pk == active.pk and IndexVersion.objects.filter(state=V.ACTIVE).count() == 1


def test_a_build_held_by_a_live_attempt_is_not_claimed_and_one_whose_lease_ran_out_is_resumed(build):
    now = timezone.now()
    assert IndexVersion.objects.claim(build.pk, "b", now=now, expires=now + LATER) == 0
    assert IndexVersion.objects.advance(build.pk, "a", cursor=40, done=40, total=100, expires=now + LATER) == 1
    started = IndexVersion.objects.get(pk=build.pk).started_at

    after = now + 2 * LATER  # attempt "a" died: its lease ran out
    assert IndexVersion.objects.claim(build.pk, "b", now=after, expires=after + LATER) == 1
    resumed = IndexVersion.objects.get(pk=build.pk)
    assert (resumed.cursor, resumed.chunks_done, resumed.started_at) == (40, 40, started)
    assert IndexVersion.objects.advance(build.pk, "a", cursor=60, done=60, total=100, expires=after) == 0


def test_a_build_is_queued_once_until_its_reservation_runs_out(active):
    version = IndexVersion.objects.begin(model="new-model")
    now = timezone.now()
    assert IndexVersion.objects.reserve(version.pk, now=now, expires=now + LATER) == 1
    assert IndexVersion.objects.reserve(version.pk, now=now, expires=now + LATER) == 0
    assert IndexVersion.objects.begin(model="new-model").pk == version.pk  # one build per model
    assert IndexVersion.objects.reserve(version.pk, now=now + 2 * LATER, expires=now + 3 * LATER) == 1


def test_a_failed_build_leaves_the_active_version_alone_and_keeps_its_code(active, build):
    assert IndexVersion.objects.fail(build.pk, "a", code="model_unavailable", detail="no such model",
                                     now=timezone.now()) == 1
    failed = IndexVersion.objects.get(pk=build.pk)
    assert (failed.state, failed.error_code, state(active)) == (V.FAILED, "model_unavailable", V.ACTIVE)
    assert IndexVersion.objects.activate(build.pk, "a", now=timezone.now()) == 0


def test_builds_of_a_model_no_longer_wanted_are_abandoned_and_dropped_once_after_their_grace(active, build):
    now = timezone.now()
    assert IndexVersion.objects.abandon(keep_model="new-model", now=now) == 0
    assert IndexVersion.objects.abandon(keep_model="", now=now) == 1
    assert state(build) == V.RETIRED and not IndexVersion.objects.live().filter(pk=build.pk).exists()
    assert list(IndexVersion.objects.droppable(before=now - LATER)) == []
    assert [v.pk for v in IndexVersion.objects.droppable(before=now + LATER)] == [build.pk]
    assert IndexVersion.objects.dropped(build.pk) == 1
    assert IndexVersion.objects.dropped(build.pk) == 0  # a second worker does not drop it again


def test_only_prepared_builds_and_the_active_version_are_live(active):
    unprepared = IndexVersion.objects.begin(model="new-model")
    assert [v.pk for v in IndexVersion.objects.live()] == [active.pk]
    now = timezone.now()
    IndexVersion.objects.claim(unprepared.pk, "a", now=now, expires=now + LATER)
    IndexVersion.objects.prepare(unprepared.pk, "a", dim=384, collection="c")
    assert {v.pk for v in IndexVersion.objects.live()} == {active.pk, unprepared.pk}


def test_administrators_see_the_builds_progress_on_the_dashboard_in_their_language(alice, active, build):
    from django.test import Client

    from tests.html import parse, words

    now = timezone.now()
    IndexVersion.objects.advance(build.pk, "a", cursor=9, done=40, total=100, expires=now + LATER)
    client = Client()
    client.force_login(alice)
    english = words(parse(client.get("/documents/dashboard/").content).get_element_by_id("index-version"))
    assert english == ("Search index: old-model. Re-indexing for new-model: 40 of 100 chunks (building); searches "
                       "use old-model until it is done.")
    client.cookies["django_language"] = "pt-br"
    portuguese = words(parse(client.get("/documents/dashboard/").content).get_element_by_id("index-build"))
    assert portuguese == ("Reindexando para new-model: 40 de 100 trechos (em construção); as buscas usam old-model "
                          "até terminar.")

    IndexVersion.objects.fail(build.pk, "a", code="model_unavailable", detail="no such model", now=now)
    client.cookies["django_language"] = "en"
    failed = words(parse(client.get("/documents/dashboard/").content).get_element_by_id("index-build"))
    assert failed == ("Re-indexing for new-model failed: the embedding model could not be loaded (no such model); "
                      "check EMBEDDING_MODEL")


def test_metrics_give_the_builds_done_and_total_chunks(client, admin_user, active, build):
    IndexVersion.objects.advance(build.pk, "a", cursor=9, done=40, total=100, expires=timezone.now() + LATER)
    client.force_login(admin_user)
    body = client.get("/metrics").content.decode()
    assert 'acervo_index_build_chunks{figure="done",model="new-model"} 40.0' in body
    assert 'acervo_index_build_chunks{figure="total",model="new-model"} 100.0' in body
