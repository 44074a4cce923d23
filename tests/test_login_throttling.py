"""Guessing passwords stops after LOGIN_FAILURE_LIMIT failures, per account and per address, on the login page
and on the admin's, with a message that says why and for how long (issue 18, item 13). In this process."""

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client

from webapp.accounts.lockout import locked_out_message

pytestmark = pytest.mark.django_db
PAGES = ("/accounts/login/", "/admin/login/")


def _log_in(client: Client, page: str, username: str, password: str):
    return client.post(page, {"username": username, "password": password})


@pytest.mark.parametrize("page", PAGES)
def test_after_too_many_wrong_passwords_the_right_one_is_refused_with_the_reason(alice, page):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        _log_in(client, page, "alice", "wrong")

    response = _log_in(client, page, "alice", "alice-password")

    assert response.status_code == 429
    assert locked_out_message() in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_many_accounts_guessed_from_one_address_lock_that_address_out(alice, bob):
    names = [f"user{n}" for n in range(settings.LOGIN_FAILURE_LIMIT)]
    for name in names:
        _log_in(Client(), "/accounts/login/", name, "wrong")

    response = _log_in(Client(), "/accounts/login/", "bob", "bob-password")

    assert response.status_code == 429


def test_a_few_mistakes_do_not_lock_anyone_out(alice):
    client = Client()
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        _log_in(client, "/accounts/login/", "alice", "wrong")

    response = _log_in(client, "/accounts/login/", "alice", "alice-password")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="alice").pk)
