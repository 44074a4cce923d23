"""API tokens (issue 19): scopes, expiry, revocation, last use, and a token never more than its owner now.
In this process through the Django test client, and once through the real web server with a real bearer token."""

from datetime import timedelta

import httpx
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from webapp.accounts.models import ApiToken, RevokedReason
from webapp.accounts.tokens import token_create, token_revoke
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db


def bearer(raw: str, address: str = "203.0.113.7") -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=address)


def error(response) -> dict:
    return response.json()["error"]


@pytest.fixture
def doc(handbook):
    return Document.objects.create(collection=handbook, title="notes", sha256="x", extracted_text="Some text.")


def test_documents_read_lets_a_token_list_and_read_but_not_delete(alice, doc):
    _, raw = token_create(user=alice, name="reader", scopes=["documents:read"], expires_in_days=None)
    client = bearer(raw)

    assert client.get("/api/v1/documents").status_code == 200
    assert client.get(f"/api/v1/documents/{doc.pk}").json()["id"] == doc.pk
    response = client.delete(f"/api/v1/documents/{doc.pk}")
    assert response.status_code == 403 and "'documents:write'" in error(response)["message"]
    assert Document.objects.filter(pk=doc.pk).exists()


def test_a_token_without_documents_read_cannot_read_documents(alice, doc):
    _, raw = token_create(user=alice, name="asker", scopes=["chat"], expires_in_days=None)

    response = bearer(raw).get(f"/api/v1/documents/{doc.pk}")

    assert response.status_code == 403 and "'documents:read'" in error(response)["message"]


def test_search_needs_the_search_scope_not_chat(alice, handbook):
    _, raw = token_create(user=alice, name="asker", scopes=["chat"], expires_in_days=None)

    response = bearer(raw).post("/api/v1/search", {"query": "holidays"}, content_type="application/json")

    assert response.status_code == 403 and "'search'" in error(response)["message"]


def test_an_expired_token_is_401_saying_it_expired(alice, doc):
    token, raw = token_create(user=alice, name="old", scopes=["documents:read"], expires_in_days=30)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = bearer(raw).get("/api/v1/documents")

    assert response.status_code == 401 and error(response)["code"] == "token_expired"
    assert "expired" in error(response)["message"]


def test_a_revoked_token_is_401_saying_it_was_revoked_and_stays_listed(alice, doc):
    token, raw = token_create(user=alice, name="gone", scopes=["documents:read"], expires_in_days=None)
    assert token_revoke(token_id=token.pk, user=alice)

    response = bearer(raw).get("/api/v1/documents")

    assert response.status_code == 401 and error(response)["code"] == "token_revoked"
    assert "revoked by its owner" in error(response)["message"]
    assert ApiToken.objects.get(pk=token.pk).revoked_reason == RevokedReason.OWNER


def test_an_inactive_owners_token_is_401(alice, doc):
    _, raw = token_create(user=alice, name="t", scopes=["documents:read"], expires_in_days=None)
    User.objects.filter(pk=alice.pk).update(is_active=False)  # behind the signals' back: the check still holds

    response = bearer(raw).get("/api/v1/documents")

    assert response.status_code == 401 and error(response)["code"] == "token_owner_inactive"


def test_a_token_follows_its_owners_rights_now(alice, charlie, doc):
    _, raw = token_create(user=charlie, name="t", scopes=["documents:read"], expires_in_days=None)
    client = bearer(raw)
    assert client.get(f"/api/v1/documents/{doc.pk}").status_code == 404

    charlie.groups.add(*alice.groups.all())

    assert client.get(f"/api/v1/documents/{doc.pk}").status_code == 200


def test_use_is_recorded_with_time_and_address(alice, doc):
    token, raw = token_create(user=alice, name="t", scopes=["documents:read"], expires_in_days=None)

    bearer(raw, "198.51.100.4").get("/api/v1/documents")
    bearer(raw, "198.51.100.9").get("/api/v1/documents")  # a new address is recorded at once

    token.refresh_from_db()
    assert token.last_used_address == "198.51.100.9"
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


def test_an_unknown_token_is_the_plain_401(alice):
    response = bearer("acv_nope").get("/api/v1/documents")

    assert response.status_code == 401 and error(response)["code"] == "unauthorized"


def test_old_scopes_are_split_by_the_migration(alice):
    from importlib import import_module

    token, _ = ApiToken.issue(user=alice)
    ApiToken.objects.filter(pk=token.pk).update(scopes=["chat", "documents"])

    import_module("webapp.accounts.migrations.0002_token_lifecycle").split_scopes(apps, None)

    assert ApiToken.objects.get(pk=token.pk).scopes == ["chat", "search", "documents:read", "documents:write"]


def test_an_unknown_scope_is_refused_when_issuing(alice):
    with pytest.raises(ValueError, match="unknown scope 'everything'"):
        ApiToken.issue(user=alice, scopes=["everything"])


@pytest.mark.django_db(transaction=True)
def test_a_real_bearer_token_through_the_web_server(web, alice, doc):
    token, raw = token_create(user=alice, name="integration", scopes=["documents:read"], expires_in_days=7)
    headers = {"Authorization": f"Bearer {raw}"}

    with httpx.Client(base_url=f"{web}/api/v1", headers=headers, timeout=60) as client:
        assert client.get(f"/documents/{doc.pk}").status_code == 200
        assert client.delete(f"/documents/{doc.pk}").status_code == 403
        token_revoke(token_id=token.pk, user=alice)
        response = client.get(f"/documents/{doc.pk}")

    assert response.status_code == 401 and response.json()["error"]["code"] == "token_revoked"
    token.refresh_from_db()
    assert token.last_used_address == "127.0.0.1" and token.last_used_at is not None
