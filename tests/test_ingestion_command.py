"""`manage.py ingest`, run as a program against the test database and the session's worker."""

import json
import subprocess
import sys
import uuid

import pytest
from django.contrib.auth.models import User

from tests.services import ROOT
from webapp import errors
from webapp.documents.management.commands.ingest import NO_WORKER, NOT_FOUND
from webapp.documents.models import Collection, Document

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin(transactional_db):
    return User.objects.create_superuser("root", password="root-password")


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "ferias.md").write_text("# Férias\n\nTodo colaborador tem direito a 30 dias de férias.\n", encoding="utf-8")
    (tmp_path / "sub" / "vendas.csv").write_text("cidade;total\nSão Paulo;10\nRecife;7\n", encoding="cp1252")
    (tmp_path / "sub" / "blank.txt").write_text("   \n\n", encoding="utf-8")
    (tmp_path / "sub" / "zero.txt").write_bytes(b"")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "skip.txt").write_text("hidden folders are skipped", encoding="utf-8")
    return tmp_path


def ingest(stack_env, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", "ingest", *args], cwd=ROOT, env=dict(stack_env, **env),
                          capture_output=True, text=True, timeout=600)


def rows(done: subprocess.CompletedProcess) -> dict[str, dict]:
    found = [json.loads(line) for line in done.stdout.splitlines()]
    return {row["path"].rsplit("/", 1)[-1]: row for row in found}


def test_a_folder_is_walked_and_each_file_reported_when_it_ends(stack_env, worker, admin, folder):
    done = ingest(stack_env, str(folder), "--collection", "Manuais", "--wait", "--json")

    assert done.returncode == 0, done.stderr
    found = rows(done)
    assert set(found) == {"ferias.md", "vendas.csv", "blank.txt", "zero.txt"}
    assert found["ferias.md"]["status"] == "indexed" and found["ferias.md"]["chunks"] >= 1
    assert found["vendas.csv"]["status"] == "indexed"
    assert found["blank.txt"]["status"] == "failed" and found["blank.txt"]["error"].startswith("no text found")
    assert found["zero.txt"] == {"path": str(folder / "sub" / "zero.txt"), "id": None, "status": "failed", "pages": None,
                                 "chunks": 0, "error": errors.FILE_EMPTY, "error_code": "empty_file", "duplicate": False}
    assert found["blank.txt"]["error_code"] == "empty"
    assert Collection.objects.filter(name="Manuais").exists()


def test_files_already_in_the_collection_are_reported_as_duplicates_of_the_same_document(stack_env, worker, admin, folder):
    first = rows(ingest(stack_env, str(folder / "ferias.md"), "--collection", "Manuais", "--wait", "--json"))
    again = rows(ingest(stack_env, str(folder / "ferias.md"), "--collection", "Manuais", "--wait", "--json"))

    assert again["ferias.md"]["id"] == first["ferias.md"]["id"] and again["ferias.md"]["duplicate"]
    assert Document.objects.count() == 1


def test_without_json_each_file_is_one_readable_line(stack_env, worker, admin, folder):
    done = ingest(stack_env, str(folder / "ferias.md"), "--collection", "Manuais", "--wait")

    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"indexed  {folder / 'ferias.md'}  id=")
    assert "chunks=1" in done.stdout


def test_a_path_that_does_not_exist_is_a_usage_error(stack_env, worker, admin, folder):
    done = ingest(stack_env, str(folder / "nope.pdf"), "--collection", "Manuais")

    assert done.returncode == 1
    assert NOT_FOUND.format(path=folder / "nope.pdf") in done.stderr
    assert not Document.objects.exists()


def test_with_no_worker_running_it_says_so_and_uploads_nothing(stack_env, admin, folder):
    done = ingest(stack_env, str(folder), "--collection", "Manuais", REDIS_KEY_PREFIX=f"acervo-none-{uuid.uuid4().hex}:")

    assert done.returncode == 2
    assert NO_WORKER in done.stderr.replace("\n", " ")
    assert not Document.objects.exists()


def test_two_files_with_the_same_content_in_one_batch_each_get_an_outcome_line(stack_env, worker, admin, folder):
    (folder / "copia.md").write_bytes((folder / "ferias.md").read_bytes())

    done = ingest(stack_env, str(folder / "ferias.md"), str(folder / "copia.md"), "--collection", "Manuais", "--wait",
                  "--json")

    assert done.returncode == 0, done.stderr
    assert len(done.stdout.splitlines()) == 2
    found = rows(done)
    assert set(found) == {"ferias.md", "copia.md"}
    assert found["ferias.md"]["id"] == found["copia.md"]["id"]
    assert {found["ferias.md"]["duplicate"], found["copia.md"]["duplicate"]} == {False, True}
    assert found["ferias.md"]["status"] == found["copia.md"]["status"] == "indexed"
