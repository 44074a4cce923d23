"""Local accounts (issue 19): no sign-up, Django's password validators, and a password change or a deactivation
that ends the user's sessions and revokes their API tokens at once, whoever makes it. In this process."""

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import get_resolver

from webapp.accounts.models import ApiToken, RevokedReason
from webapp.accounts.tokens import token_create

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "a-much-longer-passphrase-42"


def logged_in(username: str, password: str) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def is_signed_in(client: Client) -> bool:
    return client.get("/account/tokens/").status_code == 200


def all_patterns(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if hasattr(entry, "url_patterns"):
            yield from all_patterns(entry, prefix + str(entry.pattern))
        else:
            yield prefix + str(entry.pattern)


def test_no_route_offers_a_sign_up():
    patterns = list(all_patterns())

    assert patterns and not [p for p in patterns if any(w in p for w in ("signup", "sign-up", "register", "join"))]
    assert Client().get("/accounts/signup/").status_code == 404


def test_changing_the_password_ends_the_other_sessions_and_revokes_the_tokens(bob):
    here, elsewhere = logged_in("bob", "bob-password"), logged_in("bob", "bob-password")
    token, raw = token_create(user=bob, name="t", scopes=["chat"], expires_in_days=None)

    response = here.post("/account/password/", {"old_password": "bob-password", "new_password1": NEW_PASSWORD,
                                                "new_password2": NEW_PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/account/password/done/"
    assert is_signed_in(here) and not is_signed_in(elsewhere)
    assert Session.objects.count() == 1
    token.refresh_from_db()
    assert token.state == "revoked" and token.revoked_reason == RevokedReason.PASSWORD_CHANGED
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/documents").status_code == 401


def test_a_password_set_anywhere_else_ends_every_session(bob, charlie):
    bobs, charlies = logged_in("bob", "bob-password"), logged_in("charlie", "charlie-password")
    token_create(user=bob, name="t", scopes=["chat"], expires_in_days=None)

    bob.set_password(NEW_PASSWORD)
    bob.save()  # as the admin's form and `changepassword` do

    assert not is_signed_in(bobs) and is_signed_in(charlies)
    assert not ApiToken.objects.usable().filter(user=bob).exists()


def test_deactivating_a_user_ends_their_sessions_and_revokes_their_tokens(bob):
    client = logged_in("bob", "bob-password")
    token, _ = token_create(user=bob, name="t", scopes=["chat"], expires_in_days=None)

    bob.is_active = False
    bob.save()

    assert not Session.objects.exists()
    token.refresh_from_db()
    assert token.revoked_reason == RevokedReason.DEACTIVATED
    assert not is_signed_in(client)


def test_deactivating_in_the_admin_does_the_same(bob):
    root = User.objects.create_superuser("root", password="root-password-long")
    admin = Client()
    admin.force_login(root)
    bobs = logged_in("bob", "bob-password")
    token_create(user=bob, name="t", scopes=["chat"], expires_in_days=None)
    form = {"username": "bob", "is_active": "", "date_joined_0": "2026-01-01", "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01", "initial-date_joined_1": "00:00:00"}

    response = admin.post(f"/admin/auth/user/{bob.pk}/change/", form)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not User.objects.get(pk=bob.pk).is_active
    assert not is_signed_in(bobs) and is_signed_in(admin)
    assert not ApiToken.objects.usable().filter(user=bob).exists()


def test_saving_other_fields_or_logging_in_changes_nothing(bob):
    token, _ = token_create(user=bob, name="t", scopes=["chat"], expires_in_days=None)
    first = logged_in("bob", "bob-password")

    bob.first_name = "Bob"
    bob.save()
    logged_in("bob", "bob-password")  # saves last_login

    assert is_signed_in(first)
    token.refresh_from_db()
    assert token.state == "active"


@pytest.mark.parametrize("password, complaint", [
    ("short1", "too short"), ("password123", "too common"), ("83729461027465", "entirely numeric"),
])
def test_the_password_policy_refuses_weak_passwords(bob, password, complaint):
    client = logged_in("bob", "bob-password")

    response = client.post("/account/password/", {"old_password": "bob-password", "new_password1": password,
                                                  "new_password2": password})

    assert response.status_code == 200 and complaint in response.content.decode()
    assert User.objects.get(pk=bob.pk).check_password("bob-password")


def test_redrawing_an_unusable_password_is_not_a_change(bob):
    """Single sign-on libraries may set a new unusable password at each login."""
    bob.set_unusable_password()
    bob.save()
    token, _ = token_create(user=bob, name="t", scopes=["chat"], expires_in_days=None)

    bob.set_unusable_password()
    bob.save()

    token.refresh_from_db()
    assert token.state == "active"
