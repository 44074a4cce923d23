"""Each user manages their own API tokens on /account/tokens/; superusers see and revoke anyone's in the admin
(issue 19). In this process, through the Django test client."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from webapp.accounts.models import ApiToken, RevokedReason
from webapp.accounts.tokens import token_create

pytestmark = pytest.mark.django_db
RAW = re.compile(r'value="(acv_[^"]+)"')


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def create(client: Client, **fields):
    data = {"name": "intranet bot", "scopes": ["chat", "search"], "expires_in_days": "30"} | fields
    return client.post("/account/tokens/", data)


def test_a_new_token_is_shown_once_and_works(bob):
    client = signed_in(bob)

    response = create(client)

    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    raw = RAW.search(response.content.decode()).group(1)
    token = ApiToken.objects.get(user=bob)
    assert token.name == "intranet bot" and token.scopes == ["chat", "search"] and token.expires_at
    assert token.digest != raw and raw not in str(ApiToken.objects.values_list())
    listing = client.get("/account/tokens/").content.decode()
    assert "intranet bot" in listing and raw not in listing and token.prefix in listing
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").post(
        "/api/v1/search", {"query": ""}, content_type="application/json").status_code != 401


def test_the_page_needs_a_login():
    response = Client().get("/account/tokens/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_list_shows_last_use_and_state(bob):
    token, _ = token_create(user=bob, name="cron", scopes=["search"], expires_in_days=None)
    ApiToken.objects.filter(pk=token.pk).update(last_used_address="192.0.2.10")
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=token.created_at)

    html = signed_in(bob).get("/account/tokens/").content.decode()

    assert "192.0.2.10" in html and "cron" in html


def test_a_name_and_a_scope_are_required(bob):
    response = create(signed_in(bob), name=" ", scopes=[])

    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_the_admin_scope_is_offered_to_staff_only(alice, bob):
    assert 'value="admin"' not in signed_in(bob).get("/account/tokens/").content.decode()
    assert 'value="admin"' in signed_in(alice).get("/account/tokens/").content.decode()

    assert create(signed_in(bob), scopes=["admin"]).status_code == 400
    assert not ApiToken.objects.filter(user=bob).exists()


def test_a_user_revokes_their_token_and_cannot_touch_anothers(alice, bob):
    mine, _ = token_create(user=bob, name="mine", scopes=["chat"], expires_in_days=None)
    theirs, _ = token_create(user=alice, name="theirs", scopes=["chat"], expires_in_days=None)
    client = signed_in(bob)

    client.post(f"/account/tokens/{mine.pk}/revoke")
    client.post(f"/account/tokens/{theirs.pk}/revoke")

    mine.refresh_from_db(), theirs.refresh_from_db()
    assert mine.state == "revoked" and mine.revoked_reason == RevokedReason.OWNER
    assert theirs.state == "active"
    assert "theirs" not in client.get("/account/tokens/").content.decode()


def test_revoking_needs_a_post(bob):
    token, _ = token_create(user=bob, name="t", scopes=["chat"], expires_in_days=None)

    assert signed_in(bob).get(f"/account/tokens/{token.pk}/revoke").status_code == 405


def test_the_top_bar_links_to_the_account_page(bob):
    assert 'href="/account/tokens/"' in signed_in(bob).get("/").content.decode()


def test_a_superuser_sees_filters_and_revokes_anyones_tokens_in_the_admin(bob):
    root = User.objects.create_superuser("root", password="root-password-long")
    token, _ = token_create(user=bob, name="bobs", scopes=["chat"], expires_in_days=None)
    admin = signed_in(root)

    assert "bobs" in admin.get("/admin/accounts/apitoken/?state=active").content.decode()
    admin.post("/admin/accounts/apitoken/", {"action": "revoke", "_selected_action": [token.pk]})

    token.refresh_from_db()
    assert token.state == "revoked" and token.revoked_reason == RevokedReason.ADMIN
    assert "bobs" in admin.get("/admin/accounts/apitoken/?state=revoked").content.decode()
    assert "bobs" not in admin.get("/admin/accounts/apitoken/?state=active").content.decode()
    assert admin.post(f"/admin/accounts/apitoken/{token.pk}/delete/").status_code == 403


def test_staff_who_are_not_superusers_do_not_see_tokens_in_the_admin(alice, bob):
    token_create(user=bob, name="bobs", scopes=["chat"], expires_in_days=None)

    assert signed_in(alice).get("/admin/accounts/apitoken/").status_code == 403


def test_the_page_speaks_portuguese(bob):
    client = signed_in(bob)

    html = client.get("/account/tokens/", HTTP_ACCEPT_LANGUAGE="pt-br").content.decode()

    assert "Tokens de API" in html and "Criar token" in html and "Expira após" in html
