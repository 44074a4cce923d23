"""Files that hold sessions and documents are the owner's only, and a password given in the environment is
not printed (issue 18, item 20)."""

import io
import os
import stat
import subprocess
import sys

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from tests.conftest import ROOT
from webapp.documents import services

pytestmark = pytest.mark.django_db(transaction=True)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_uploaded_original_and_its_folders_are_the_owners_only(alice, handbook, settings):
    file = SimpleUploadedFile("memo.txt", b"Private words.", content_type="text/plain")

    document, _ = services.document_upload(user=alice, file=file, collection=handbook)

    path = document.file.path
    assert _mode(path) == 0o600
    assert _mode(os.path.dirname(path)) == 0o700
    assert _mode(settings.DATA_DIR) == 0o700


def test_a_new_sqlite_database_is_the_owners_only(tmp_path):
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="webapp.settings", DATA_DIR=str(tmp_path / "data"))
    env.pop("DATABASE_URL", None)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)

    database = tmp_path / "data" / "acervo.sqlite3"
    assert _mode(database) == 0o600
    assert _mode(tmp_path / "data") == 0o700


def test_an_admin_password_from_the_environment_is_not_printed(monkeypatch):
    monkeypatch.setenv("ACERVO_ADMIN_PASSWORD", "correct-horse-battery")
    out = io.StringIO()

    call_command("ensure_admin", stdout=out)

    assert "correct-horse-battery" not in out.getvalue()
    assert "ACERVO_ADMIN_PASSWORD" in out.getvalue()


def test_a_generated_admin_password_is_shown_once(monkeypatch):
    monkeypatch.delenv("ACERVO_ADMIN_PASSWORD", raising=False)
    out = io.StringIO()

    call_command("ensure_admin", stdout=out)

    assert "password '" in out.getvalue()
