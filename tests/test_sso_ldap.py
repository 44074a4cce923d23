"""LDAP logins against Debian's slapd started by the test (tests/slapd.py, tests/directory.ldif): the password is
checked by a bind, name and e-mail are copied, LDAP groups become the mapped Acervo groups and follow the
directory at each login, and django-axes still stops password guessing. In this process (Django's test client);
the directory is real."""

import ldap
import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.test import Client

from tests import slapd
from webapp.accounts.selectors import collections_readable_by
from webapp.documents.models import Collection
from webapp.sso.ldap_config import ldap_settings
from webapp.sso.models import GroupMapping

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not slapd.available(), reason="slapd is not installed: run scripts/system_packages.sh"),
]
LEGAL_DN = "cn=legal,ou=groups,dc=acervo,dc=test"


def grant_read(collection: Collection, group: Group) -> None:
    """The one place this test says "members of `group` may read `collection`" (adapt it when access changes)."""
    collection.groups.add(group)


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    folder = tmp_path_factory.mktemp("slapd")
    server = slapd.start(folder)
    yield server
    slapd.stop(server, folder)


@pytest.fixture
def ldap_logins(directory, settings):
    """Acervo's settings as LDAP_SERVER_URI and friends make them (webapp/settings.py calls ldap_settings too)."""
    settings.AUTHENTICATION_BACKENDS = [django_settings.AUTHENTICATION_BACKENDS[0], "webapp.sso.ldap.LdapBackend",
                                        "django.contrib.auth.backends.ModelBackend"]
    found = ldap_settings(server_uri=directory.uri, user_search_base="ou=people,dc=acervo,dc=test",
                          group_search_base="ou=groups,dc=acervo,dc=test",
                          group_search_filter="(objectClass=groupOfNames)", group_type="groupOfNames")
    for name, value in found.items():
        setattr(settings, name, value)
    return directory


@pytest.fixture
def mapped(ldap_logins):
    """LDAP group "finance" (by name) → Finance, "legal" (by DN) → Legal; each reads its own collection."""
    groups = {name: Group.objects.create(name=name) for name in ("Finance", "Legal", "Board")}
    for collection, group in (("budgets", "Finance"), ("contracts", "Legal"), ("board-minutes", "Board")):
        grant_read(Collection.objects.create(name=collection), groups[group])
    GroupMapping.objects.create(source="ldap", value="finance", group=groups["Finance"])
    GroupMapping.objects.create(source="ldap", value=LEGAL_DN, group=groups["Legal"])
    return groups


def log_in(username: str, password: str):
    client = Client()
    response = client.post("/accounts/login/", {"username": username, "password": password})
    return client, response


def test_the_directory_password_logs_in_and_name_and_email_are_copied(ldap_logins):
    client, response = log_in("frank", "frank-in-ldap")

    assert response.status_code == 302
    frank = User.objects.get(username="frank")
    assert client.session["_auth_user_id"] == str(frank.pk)
    assert (frank.first_name, frank.last_name, frank.email) == ("Frank", "Lima", "frank@acervo.test")


def test_a_deactivated_account_loses_its_directory_session_at_once(ldap_logins):
    client, _ = log_in("frank", "frank-in-ldap")
    assert client.get("/").status_code == 200

    User.objects.filter(username="frank").update(is_active=False)

    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_a_wrong_password_is_refused_and_creates_nobody(ldap_logins):
    client, response = log_in("frank", "not-franks")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="frank").exists()


def test_ldap_groups_become_the_mapped_groups_and_the_collections_they_read(mapped):
    log_in("frank", "frank-in-ldap")

    frank = User.objects.get(username="frank")
    assert sorted(frank.groups.values_list("name", flat=True)) == ["Finance", "Legal"]
    assert [c.name for c in collections_readable_by(frank)] == ["budgets", "contracts"]


def test_someone_removed_from_an_ldap_group_loses_it_at_the_next_login_and_keeps_groups_given_by_hand(mapped,
                                                                                                      directory):
    log_in("frank", "frank-in-ldap")
    frank = User.objects.get(username="frank")
    frank.groups.add(mapped["Board"])
    admin = directory.admin()
    member = [(ldap.MOD_DELETE, "member", [b"uid=frank,ou=people,dc=acervo,dc=test"])]
    admin.modify_s(LEGAL_DN, member)
    try:
        log_in("frank", "frank-in-ldap")
    finally:
        admin.modify_s(LEGAL_DN, [(ldap.MOD_ADD, "member", member[0][2])])

    assert sorted(frank.groups.values_list("name", flat=True)) == ["Board", "Finance"]
    assert [c.name for c in collections_readable_by(frank)] == ["board-minutes", "budgets"]


def test_guessing_a_directory_password_is_stopped_by_the_login_throttle(ldap_logins):
    for _ in range(django_settings.LOGIN_FAILURE_LIMIT):
        log_in("gina", "guess")

    client, response = log_in("gina", "gina-in-ldap")

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
