"""Single sign-on around the login: settings read from the environment (off when unset, django-axes first), the
login page's button in both languages, reasons for a failed sign-in, logout at the provider for single sign-on
sessions only, the group rule per source, and the login throttle in front of the OIDC callback. In this process,
except the settings, read by a fresh interpreter the way a deployment reads them."""

import json
import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.test import Client

from webapp.sso.groups import user_groups_sync
from webapp.sso.models import GroupMapping, Identity

pytestmark = pytest.mark.django_db
AXES = "axes.backends.AxesStandaloneBackend"
MODEL = "django.contrib.auth.backends.ModelBackend"
OIDC = "webapp.sso.oidc.OidcBackend"
LDAP = "webapp.sso.ldap.LdapBackend"


def settings_run(env: dict) -> subprocess.CompletedProcess:
    code = ("import json, django; django.setup(); from django.conf import settings as s; "
            "print(json.dumps({'backends': s.AUTHENTICATION_BACKENDS, 'csp': s.CONTENT_SECURITY_POLICY, "
            "'ldap_uri': getattr(s, 'AUTH_LDAP_SERVER_URI', None), 'oidc': s.OIDC_ENABLED}))")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "LDAP_", "CONTENT_SECURITY"))}
    env = dict(clean, DJANGO_SETTINGS_MODULE="webapp.settings", **env)
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def settings_from(env: dict) -> dict:
    result = settings_run(env)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_settings_single_sign_on_is_off():
    found = settings_from({})
    assert found["backends"] == [AXES, MODEL]
    assert not found["oidc"] and found["ldap_uri"] is None


def test_configured_methods_come_after_the_login_throttle_and_the_provider_may_receive_the_logout_form():
    found = settings_from({"OIDC_RP_CLIENT_ID": "acervo", "OIDC_OP_DISCOVERY_URL": "https://idp.example.com/realms/x",
                           "LDAP_SERVER_URI": "ldap://127.0.0.1:3890/", "LDAP_USER_SEARCH_BASE": "ou=people,dc=x"})
    assert found["backends"] == [AXES, LDAP, OIDC, MODEL]
    assert found["ldap_uri"] == "ldap://127.0.0.1:3890/"
    assert "form-action 'self' https://idp.example.com;" in found["csp"]


@pytest.mark.parametrize("env, advice", [
    ({"OIDC_RP_CLIENT_ID": "acervo"}, "set OIDC_OP_DISCOVERY_URL"),
    ({"LDAP_SERVER_URI": "ldap://127.0.0.1:3890/"}, "set LDAP_USER_SEARCH_BASE"),
])
def test_half_a_configuration_stops_the_start_with_what_is_missing(env, advice):
    result = settings_run(env)
    assert result.returncode != 0
    assert advice in result.stderr


@pytest.mark.parametrize("language, button", [("en", "Sign in with Keycloak"), ("pt-BR", "Entrar com Keycloak")])
def test_the_login_page_offers_the_provider_in_the_readers_language(settings, language, button):
    settings.OIDC_ENABLED, settings.OIDC_PROVIDER_NAME = True, "Keycloak"
    page = Client().get("/accounts/login/?next=/c/5/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert button in page
    assert 'href="/oidc/authenticate/?next=/c/5/"' in page


def test_without_a_provider_there_is_no_button_and_no_route():
    assert "Sign in with" not in Client().get("/accounts/login/").content.decode()
    assert Client().get("/oidc/authenticate/").status_code == 404


def test_a_failed_sign_in_says_what_to_do(settings):
    settings.OIDC_ENABLED, settings.OIDC_PROVIDER_NAME = True, "Azure AD"
    page = Client().get("/accounts/login/?sso=failed").content.decode()
    assert "Signing in with Azure AD did not work. Try again, or ask an administrator" in page


@pytest.fixture
def oidc_on(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = "acervo"
    settings.OIDC_OP_LOGOUT_ENDPOINT = "https://idp.example.com/logout"
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/token"  # nothing listens: never to be reached here
    settings.AUTHENTICATION_BACKENDS = [AXES, OIDC, MODEL]
    return settings


def test_logout_of_a_single_sign_on_session_goes_on_to_the_providers_end_session(oidc_on):
    client = Client()
    client.force_login(User.objects.create_user("dana"), backend=OIDC)

    response = client.post("/accounts/logout/")

    target = urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == "https://idp.example.com/logout"
    assert parse_qs(target.query)["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert "_auth_user_id" not in client.session


def test_logout_of_a_local_session_stays_here(oidc_on):
    client = Client()
    client.force_login(User.objects.create_user("alice"), backend=MODEL)

    response = client.post("/accounts/logout/")

    assert response["Location"] == "/accounts/login/"


def test_a_deactivated_account_loses_its_single_sign_on_session_at_once(oidc_on):
    client = Client()
    dana = User.objects.create_user("dana")
    client.force_login(dana, backend=OIDC)
    assert client.get("/").status_code == 200

    User.objects.filter(pk=dana.pk).update(is_active=False)

    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_a_provider_that_cannot_be_reached_sends_people_back_with_the_reason(oidc_on):
    oidc_on.OIDC_OP_DISCOVERY_URL = "http://127.0.0.1:9/realms/acme"  # nothing listens there

    response = Client().get("/oidc/authenticate/")

    assert response["Location"] == "/accounts/login/?sso=unavailable"
    page = Client().get(response["Location"]).content.decode()
    assert "Single sign-on cannot be reached right now. Try again in a few minutes" in page


def test_a_locked_out_address_cannot_sign_in_through_the_provider_either(oidc_on):
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        Client().post("/accounts/login/", {"username": f"guess{_}", "password": "wrong"})
    client = Client()
    session = client.session
    session["oidc_states"] = {"st": {"nonce": "n", "code_verifier": None, "added_on": time.time()}}
    session.save()

    response = client.get("/oidc/callback/?code=c&state=st")

    assert response.status_code == 429  # the token endpoint (nothing there) was never asked
    assert "_auth_user_id" not in client.session


def test_each_source_moves_only_the_groups_it_maps():
    oidc_group, ldap_group, by_hand = (Group.objects.create(name=n) for n in ("A", "B", "C"))
    GroupMapping.objects.create(source="oidc", value="team-a", group=oidc_group)
    GroupMapping.objects.create(source="ldap", value="team-b", group=ldap_group)
    user = User.objects.create_user("mixed")
    user.groups.add(oidc_group, ldap_group, by_hand)

    user_groups_sync(user=user, source="oidc", values=[])

    assert sorted(user.groups.values_list("name", flat=True)) == ["B", "C"]
    user_groups_sync(user=user, source="oidc", values=["TEAM-A"])
    assert sorted(user.groups.values_list("name", flat=True)) == ["A", "B", "C"]


def test_administrators_edit_the_group_mappings_in_the_admin():
    hr = Group.objects.create(name="HR")
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="x"))

    assert client.get("/admin/sso/groupmapping/add/").status_code == 200
    response = client.post("/admin/sso/groupmapping/add/", {"source": "oidc", "value": "hr-staff", "group": hr.pk})

    assert response.status_code == 302
    assert GroupMapping.objects.get().group == hr


def test_administrators_link_an_existing_account_to_a_provider_subject():
    client = Client()
    client.force_login(User.objects.create_superuser("root", password="x"))
    alice = User.objects.create_user("alice", password="alice-password")

    response = client.post("/admin/sso/identity/add/", {"source": "oidc", "subject": "f00d", "user": alice.pk})

    assert response.status_code == 302
    assert Identity.objects.get(subject="f00d").user == alice
