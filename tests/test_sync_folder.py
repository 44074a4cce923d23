"""A watched folder stays in sync with its collection, through the real worker: files added, changed (a new version
of the same document), deleted (gone from search), renamed (the same document, its history kept), refused (logged
with the reason), and a file changed while its document is being ingested ends indexed with its newest content."""

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.sync import document_of, entries, finished_runs, found, new_source, sync_now, wait_for_run, watched_folder
from webapp.documents.models import Document
from webapp.sources.models import Source
from webapp.sources.services import source_save

pytestmark = pytest.mark.django_db(transaction=True)

VACATION = "Every employee has thirty days of paid vacation per year."
TRAVEL = "Travel expenses are reimbursed within ten business days."


def test_the_files_of_a_watched_folder_become_searchable(alice_api, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text(VACATION)
    (folder / "policies").mkdir()
    (folder / "policies" / "travel.md").write_text(f"# Travel\n\n{TRAVEL}")
    source, run = new_source(alice, handbook, str(folder))
    assert run.outcome == "done" and (run.added, run.failed) == (2, 0)
    assert entries(run) == {("added", "vacation.txt", ""), ("added", "policies/travel.md", "")}
    assert "vacation" in found(alice_api, "paid vacation days")
    assert "travel" in found(alice_api, "travel expenses reimbursed")


def test_a_changed_file_becomes_a_new_version_of_the_same_document(alice_api, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text(VACATION)
    source, _ = new_source(alice, handbook, str(folder))
    before = document_of(source, "vacation.txt")
    (folder / "vacation.txt").write_text("Every employee has forty days of paid leave per year.")
    run = sync_now(source)
    assert (run.updated, run.added) == (1, 0)
    after = document_of(source, "vacation.txt")
    assert after.pk == before.pk and after.revision == before.revision + 1 and after.version > before.version
    assert "forty days" in after.extracted_text and "thirty" not in after.extracted_text
    assert "vacation" in found(alice_api, "forty days of paid leave")


def test_an_unchanged_folder_changes_nothing(alice_api, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text(VACATION)
    source, _ = new_source(alice, handbook, str(folder))
    version = document_of(source, "vacation.txt").version
    run = sync_now(source)
    assert (run.added, run.updated, run.removed, run.failed, run.unchanged) == (0, 0, 0, 0, 1)
    assert document_of(source, "vacation.txt").version == version


def test_a_deleted_file_leaves_the_index(alice_api, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text(VACATION)
    (folder / "travel.txt").write_text(TRAVEL)
    source, _ = new_source(alice, handbook, str(folder))
    gone = document_of(source, "travel.txt").pk
    (folder / "travel.txt").unlink()
    run = sync_now(source)
    assert entries(run) == {("removed", "travel.txt", "")}
    assert not Document.objects.filter(pk=gone).exists()
    assert "travel" not in found(alice_api, "travel expenses reimbursed")
    assert "vacation" in found(alice_api, "paid vacation days")


def test_a_renamed_file_keeps_its_document(alice_api, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text(VACATION)
    source, _ = new_source(alice, handbook, str(folder))
    before = document_of(source, "vacation.txt")
    (folder / "hr").mkdir()
    os.rename(folder / "vacation.txt", folder / "hr" / "leave.txt")
    run = sync_now(source)
    assert entries(run) == {("renamed", "hr/leave.txt", "")} and (run.added, run.removed) == (0, 0)
    after = document_of(source, "hr/leave.txt")
    assert after.pk == before.pk and after.version == before.version  # not ingested again
    assert (after.original_name, after.title) == ("leave.txt", "leave")
    assert not source.items.filter(key="vacation.txt").exists()
    assert "leave" in found(alice_api, "paid vacation days")


def test_a_file_no_parser_reads_is_logged_as_failed_with_the_reason(alice_api, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text(VACATION)
    (folder / "noise.bin").write_bytes(os.urandom(4096))
    (folder / "empty.txt").write_bytes(b"")
    source, run = new_source(alice, handbook, str(folder))
    assert (run.added, run.failed) == (1, 2)
    assert entries(run) == {("added", "vacation.txt", ""), ("failed", "noise.bin", "unsupported_media_type"),
                            ("failed", "empty.txt", "empty_file")}
    noise = run.entries.get(key="noise.bin")
    assert noise.params["kind"] == "garbled"
    assert Document.objects.filter(collection=handbook).count() == 1


def test_a_file_changed_while_its_document_is_ingested_ends_indexed_with_the_newest_content(alice_api, alice, handbook):
    """The first version is long enough that its ingest is still running when the second sync stores the new one:
    the older attempt hands over (Document.revision) and the document ends indexed with the new text only."""
    folder = watched_folder()
    long_text = "\n\n".join(f"Section {n}. The cafeteria serves lunch between noon and two, menu number {n}."
                            for n in range(400))
    (folder / "menu.txt").write_text(long_text)
    source = source_save(user=alice, collection=handbook, kind="folder", location=str(folder), interval_minutes=0)
    while not finished_runs(source):
        time.sleep(0.1)
    first = finished_runs(source)[0]
    assert entries(first) == {("added", "menu.txt", "")}, (first.outcome, first.error_code, first.error_params)
    document = document_of(source, "menu.txt")
    (folder / "menu.txt").write_text("The cafeteria now closes at three in the afternoon.")
    assert Document.objects.get(pk=document.pk).status != "indexed", "the first ingest ended too soon to test this"
    run = sync_now(source)
    assert run.updated == 1
    document = Document.objects.get(pk=document.pk)
    assert document.status == "indexed", document.error
    assert document.extracted_text.strip() == "The cafeteria now closes at three in the afternoon."
    assert document.chunk_count == document.chunks.filter(version=document.version).count() == 1
    assert "menu" in found(alice_api, "cafeteria closes at three")
    assert "menu" not in found(alice_api, "lunch between noon and two")


def test_a_symlink_leading_out_of_the_folder_is_skipped_and_logged(alice_api, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text(VACATION)
    outside = watched_folder() / "secret.txt"
    outside.write_text("The root password is swordfish.")
    os.symlink(outside, folder / "secret.txt")
    os.symlink(outside.parent, folder / "elsewhere")  # a symlinked folder is not followed
    (folder / "inside.txt").symlink_to(folder / "vacation.txt")  # a link within the folder is fine
    source, run = new_source(alice, handbook, str(folder))
    assert entries(run) == {("added", "inside.txt", ""), ("added", "vacation.txt", "same_content"),
                            ("failed", "secret.txt", "outside_folder")}
    assert "secret" not in found(alice_api, "root password swordfish")


def test_a_source_on_an_interval_is_synced_by_the_worker_when_it_is_due(alice_api, alice, handbook):
    folder = watched_folder()
    (folder / "vacation.txt").write_text(VACATION)
    source, first = new_source(alice, handbook, str(folder), interval_minutes=60)
    source.refresh_from_db()
    assert first.trigger == "manual" and source.next_sync_at > timezone.now() + timedelta(minutes=59)
    (folder / "travel.txt").write_text(TRAVEL)
    Source.objects.filter(pk=source.pk).update(next_sync_at=timezone.now())  # as if the hour had gone by
    run = wait_for_run(source, 2)
    assert (run.trigger, run.added) == ("schedule", 1)
    source.refresh_from_db()
    assert source.next_sync_at > timezone.now() + timedelta(minutes=59)
    assert "travel" in found(alice_api, "travel expenses reimbursed")
