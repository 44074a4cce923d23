"""An upload someone may not make leaves nothing behind and says nothing about which collection names exist
(issue 18, item 7). In this process: no worker is needed, as nothing may be queued."""

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from webapp import errors
from webapp.access.grants import grant
from webapp.accounts.models import ApiToken
from webapp.documents.models import Collection, Document

pytestmark = pytest.mark.django_db


def _upload(user, collection: str):
    _, raw = ApiToken.issue(user=user)
    return Client().post("/api/v1/documents", {"file": _file(), "collection": collection},
                         headers={"Authorization": f"Bearer {raw}"})


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("note.txt", b"Some words to index.", content_type="text/plain")


def test_a_non_staff_upload_naming_a_new_collection_creates_nothing(bob):
    response = _upload(bob, "squatted")

    assert response.status_code == 403
    assert response.json()["error"]["message"] == errors.NOT_ALLOWED_TO_UPLOAD
    assert not Collection.objects.filter(name="squatted").exists()
    assert not Document.objects.exists()


def test_a_non_staff_upload_gets_the_same_answer_whether_the_name_exists_or_not(bob, handbook):
    board = Collection.objects.create(name="board")
    grant(board, group=Group.objects.create(name="board-members"))

    answers = {name: _upload(bob, name) for name in ("handbook", "board", "no-such-name", str(board.pk), "99999")}

    assert {r.status_code for r in answers.values()} == {403}
    assert len({r.content for r in answers.values()}) == 1
    assert Collection.objects.count() == 2

