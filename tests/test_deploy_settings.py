"""Deploy-safe by default (issue 19): ACERVO_ENV=production passes `manage.py check --deploy` with no warning,
refuses to start without a real SECRET_KEY or with DEBUG on, and its responses carry the security headers;
the development settings' pages carry them too, and a session-authenticated change needs the CSRF token.
Production runs in a child process (settings are read once per process); the rest in this one."""

import json
import secrets
import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import ROOT
from webapp.csp import DEFAULT_POLICY

KEY = secrets.token_urlsafe(50)


def run(tmp_path, *args, **env):
    base = {"PATH": "/usr/bin:/bin", "DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "webapp.settings",
            "ACERVO_ENV": "production", "SECRET_KEY": KEY}
    merged = {name: value for name, value in (base | env).items() if value is not None}
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=merged, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_in_production(tmp_path):
    result = run(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_development_settings_do_not_pass_it(tmp_path):
    """The check can fail: without ACERVO_ENV=production it lists what production turns on."""
    result = run(tmp_path, "manage.py", "check", "--deploy", "--fail-level", "WARNING", ACERVO_ENV="")

    assert result.returncode != 0 and "security.W004" in result.stderr + result.stdout


def test_the_secret_key_may_come_from_a_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY + "\n")

    result = run(tmp_path, "-c", "import django; django.setup(); from django.conf import settings as s; "
                 "print(s.SECRET_KEY)", SECRET_KEY_FILE=str(key_file), SECRET_KEY=None)

    assert result.stdout.strip() == KEY, result.stderr


@pytest.mark.parametrize("env, message", [
    ({"SECRET_KEY": ""}, "needs SECRET_KEY"),
    ({"SECRET_KEY": "django-insecure-" + KEY}, "placeholder"),
    ({"SECRET_KEY": "short-key"}, "fewer than 50"),
    ({"DEBUG": "true"}, "DEBUG=true is refused"),
])
def test_production_refuses_to_start_unsafe(tmp_path, env, message):
    result = run(tmp_path, "manage.py", "check", **env)

    assert result.returncode != 0 and message in result.stderr
    assert not (tmp_path / "secret_key").exists()


PRODUCTION_RESPONSES = """
import json, django
django.setup()
from django.test import Client
client = Client()
https = client.get("/accounts/login/", secure=True)
plain = client.get("/accounts/login/")
print(json.dumps({"https": dict(https.headers), "cookies": {k: dict(v) for k, v in https.cookies.items()},
                  "plain": [plain.status_code, plain.headers.get("Location")]}))
"""


def test_production_responses_use_https_only(tmp_path):
    result = run(tmp_path, "-c", PRODUCTION_RESPONSES)
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])

    assert seen["plain"] == [301, "https://testserver/accounts/login/"]
    assert seen["https"]["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert seen["cookies"]["csrftoken"]["secure"] is True


@pytest.fixture
def pages(bob, handbook):
    client = Client()
    client.force_login(bob)
    return {url: client.get(url) for url in ("/", "/account/tokens/", "/account/password/", "/api/v1/documents")} | {
        "/accounts/login/": Client().get("/accounts/login/")}


@pytest.mark.django_db
def test_pages_carry_the_security_headers(pages):
    for url, response in pages.items():
        assert response.status_code == 200, url
        assert response["X-Frame-Options"] == "DENY", url
        assert response["Content-Security-Policy"] == DEFAULT_POLICY, url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "same-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url


@pytest.mark.django_db
@pytest.mark.parametrize("method, url", [
    ("post", "/account/tokens/"), ("post", "/api/v1/search"), ("post", "/account/password/"),
    ("post", "/api/v1/messages/1/cancel"), ("delete", "/api/v1/documents/1"), ("post", "/accounts/logout/"),
])
def test_a_session_authenticated_change_needs_the_csrf_token(bob, method, url):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)

    response = getattr(client, method)(url, {}, content_type="application/json")

    assert response.status_code == 403, (url, response.status_code)
    assert "CSRF" in response.content.decode()
