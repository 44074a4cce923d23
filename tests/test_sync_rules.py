"""Who may manage a collection's sources, and what a source may point at, in-process (no worker): folders only
under SYNC_ALLOWED_ROOTS (never /etc by typing it, nor through a symlink), sites only on CRAWL_ALLOWED_HOSTS; the
collections page shows the sources and their sync log in the reader's language."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client, override_settings
from django.utils import timezone

from tests.html import parse, select, words
from tests.sync import watched_folder
from webapp.documents.models import Collection
from webapp.sources.models import Source, SyncEntry, SyncRun
from webapp.sources.rules import SourceRefused, folder_checked, url_checked
from webapp.sources.services import source_save

pytestmark = pytest.mark.django_db


def refusal(call, *args) -> str:
    with pytest.raises(SourceRefused) as caught:
        call(*args)
    return caught.value.code


def test_a_folder_outside_the_allowed_roots_is_refused():
    assert refusal(folder_checked, "/etc") == "path_not_allowed"
    assert refusal(folder_checked, f"{settings.SYNC_ALLOWED_ROOTS[0]}/../../etc") == "path_not_allowed"
    assert refusal(folder_checked, "relative/folder") == "path_not_absolute"
    assert refusal(folder_checked, f"{settings.SYNC_ALLOWED_ROOTS[0]}/no-such-folder") == "folder_missing"


def test_a_symlink_under_an_allowed_root_cannot_lead_out_of_it():
    link = watched_folder() / "escape"
    os.symlink("/etc", link)
    assert refusal(folder_checked, str(link)) == "path_not_allowed"


def test_without_allowed_roots_no_folder_may_be_watched():
    folder = watched_folder()
    assert folder_checked(str(folder)) == os.path.realpath(folder)
    with override_settings(SYNC_ALLOWED_ROOTS=[]):
        assert refusal(folder_checked, str(folder)) == "folders_off"


def test_a_site_must_be_on_an_allowed_host():
    assert url_checked("http://127.0.0.1:8080/") == "http://127.0.0.1:8080/"
    assert refusal(url_checked, "http://intranet.example/") == "host_not_allowed"
    assert refusal(url_checked, "file:///etc/passwd") == "url_invalid"
    with override_settings(CRAWL_ALLOWED_HOSTS=[".example.com"]):
        assert url_checked("https://wiki.example.com/") and url_checked("https://example.com/")
        assert refusal(url_checked, "https://example.com.evil.net/") == "host_not_allowed"
    with override_settings(CRAWL_ALLOWED_HOSTS=[]):
        assert refusal(url_checked, "http://127.0.0.1/") == "sites_off"


@pytest.fixture
def staff(db):
    team = Group.objects.create(name="team")
    collection = Collection.objects.create(name="handbook")
    collection.groups.add(team)
    alice = User.objects.create_user("alice", password="pw", is_staff=True)
    alice.groups.add(team)
    return alice, collection


def client_for(user, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_staff_add_a_folder_to_their_collection_but_not_etc(staff):
    alice, handbook = staff
    folder = watched_folder()
    response = client_for(alice).post(f"/documents/collections/{handbook.pk}/sources/new", {
        f"s-new-{handbook.pk}-{k}": v for k, v in dict(kind="folder", location="/etc", interval_minutes=60,
                                                      max_depth=2, max_pages=10, domain="").items()}, follow=True)
    assert "is not under a folder that may be watched" in words(parse(response.content))
    assert not Source.objects.exists()
    client_for(alice).post(f"/documents/collections/{handbook.pk}/sources/new", {
        f"s-new-{handbook.pk}-{k}": v for k, v in dict(kind="folder", location=str(folder), interval_minutes=0,
                                                      max_depth=2, max_pages=10, domain="").items()})
    assert Source.objects.get().location == os.path.realpath(folder)


def test_only_staff_who_read_the_collection_manage_its_sources(staff):
    alice, handbook = staff
    source = source_save(user=alice, collection=handbook, kind="folder", location=str(watched_folder()),
                         interval_minutes=0)
    bob = User.objects.create_user("bob", password="pw")
    bob.groups.add(*alice.groups.all())
    other_staff = User.objects.create_user("dave", password="pw", is_staff=True)
    for path in (f"/documents/sources/{source.pk}/sync", f"/documents/sources/{source.pk}/delete",
                 f"/documents/collections/{handbook.pk}/sources/new"):
        assert client_for(bob).post(path).status_code == 403
        assert client_for(other_staff).post(path).status_code == 404
    assert Client().post(f"/documents/sources/{source.pk}/delete").status_code == 302  # to the login page
    assert Source.objects.filter(pk=source.pk).exists()
    response = client_for(alice).post(f"/documents/sources/{source.pk}/sync", follow=True)
    assert "Sync queued" in words(parse(response.content))
    Source.objects.filter(pk=source.pk).update(running_until=timezone.now() + timedelta(minutes=5))
    response = client_for(alice).post(f"/documents/sources/{source.pk}/sync", follow=True)
    assert "A sync of this source is running already." in words(parse(response.content))


@pytest.mark.parametrize("language, texts", [
    ("en", ("Sources that stay in sync", "Sync now", "Not a format Acervo reads (garbled).", "was old/name.txt",
            "done · 1 added, 0 updated, 0 removed, 1 failed (1 renamed)")),
    ("pt-BR", ("Fontes sincronizadas", "Sincronizar agora", "Não é um formato que o Acervo lê (garbled).",
               "antes old/name.txt", "concluída · adicionados: 1, atualizados: 0, removidos: 0, com falha: 1 "
               "(1 renomeado)")),
])
def test_the_collections_page_shows_the_sync_log_in_the_readers_language(staff, language, texts):
    alice, handbook = staff
    source = source_save(user=alice, collection=handbook, kind="folder", location=str(watched_folder()),
                         interval_minutes=0)
    run = SyncRun.objects.create(source=source, outcome="done", added=1, failed=1, renamed=1)
    SyncEntry.objects.create(run=run, action="failed", key="noise.bin", code="unsupported_media_type",
                             params={"kind": "garbled"})
    SyncEntry.objects.create(run=run, action="renamed", key="new/name.txt", params={"previous": "old/name.txt"})
    page = parse(client_for(alice, language).get("/documents/collections/").content)
    text = words(page)
    for expected in texts:
        assert expected in text
    assert len(select(page, "tr.sync-entry")) == 2
