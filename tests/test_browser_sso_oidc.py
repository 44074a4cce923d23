"""OIDC single sign-on through the browser against a real provider (django-oidc-provider, tests/oidc_provider)
started in a second process: the login page's button, the provider's login form, the chat with exactly the
collections the group claim allows; the claim followed again at the next login; logout ending the provider's
session too. Nothing is faked: Acervo's web server runs with the OIDC_* settings from its environment, as a
deployment would."""


import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from tests import services
from tests.browser import DESKTOP, chromium_launched
from tests.oidc_provider_process import start_provider
from webapp.documents.models import Collection
from webapp.sso.models import GroupMapping, Identity

PROVIDER_NAME = "Test IdP"


def grant_read(collection: Collection, group: Group) -> None:
    """The one place this test says "members of `group` may read `collection`" (adapt it when access changes)."""
    collection.groups.add(group)


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    provider = start_provider(tmp_path_factory.mktemp("oidc-provider"))
    yield provider
    services.stop(provider.process)


@pytest.fixture(scope="module")
def sso_web(stack_env, provider, tmp_path_factory) -> str:
    """Acervo's web server with single sign-on configured from its environment, registered at the provider."""
    port = services.free_port()
    url = f"http://127.0.0.1:{port}"
    provider.seed({"client": {"id": "acervo", "secret": "acervo-secret", "redirect_uri": f"{url}/oidc/callback/",
                              "logout_uri": f"{url}/accounts/login/"}})
    env = dict(stack_env, OIDC_RP_CLIENT_ID="acervo", OIDC_RP_CLIENT_SECRET="acervo-secret",
               OIDC_OP_DISCOVERY_URL=provider.issuer, OIDC_PROVIDER_NAME=PROVIDER_NAME,
               OIDC_RP_SCOPES="openid email profile groups", OIDC_GROUPS_CLAIM="groups")
    log = tmp_path_factory.mktemp("logs") / "sso-web.log"
    process = services.start_web(env, log, port)
    services.wait_until(lambda: services.web_is_up(url), timeout=60, what="web server", log_path=log)
    yield url
    services.stop(process)


@pytest.fixture(scope="module")
def chromium():
    """Chromium without the worker: these pages only need the web server."""
    with chromium_launched() as launched:
        yield launched


@pytest.fixture
def library(transactional_db):
    """Three collections read by three groups; the provider's "hr-staff" and "engineering" are mapped."""
    groups = {name: Group.objects.create(name=name) for name in ("HR", "Engineering", "Board")}
    for collection, group in (("hr-handbook", "HR"), ("eng-wiki", "Engineering"), ("board-minutes", "Board")):
        grant_read(Collection.objects.create(name=collection), groups[group])
    GroupMapping.objects.create(source="oidc", value="hr-staff", group=groups["HR"])
    GroupMapping.objects.create(source="oidc", value="Engineering", group=groups["Engineering"])
    return groups


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_role("link", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("Provider username").fill(username)
    page.get_by_label("Provider password").fill(password)
    page.get_by_role("button", name="Sign in at the provider").click()


def collections_offered(page) -> list[str]:
    return page.locator("#collection option").all_inner_texts()


@pytest.mark.django_db(transaction=True)
def test_a_new_user_signs_in_at_the_provider_and_reads_what_the_group_claim_allows(chromium, sso_web, provider,
                                                                                  library):
    provider.seed({"users": {"dana": {"password": "dana-at-idp", "email": "dana@example.com", "first_name": "Dana",
                                      "last_name": "Souza", "groups": ["hr-staff", "not-mapped"]}}})
    page = chromium.new_context(base_url=sso_web, viewport=DESKTOP, locale="en-US").new_page()
    page.set_default_timeout(20_000)

    sign_in(page, "dana", "dana-at-idp")

    expect(page).to_have_url(f"{sso_web}/")
    expect(page.locator("#question")).to_be_visible()
    assert collections_offered(page) == ["All my collections", "hr-handbook"]
    dana = User.objects.get(username="dana")
    assert (dana.email, dana.first_name, dana.last_name) == ("dana@example.com", "Dana", "Souza")
    assert not dana.has_usable_password()
    assert list(dana.groups.values_list("name", flat=True)) == ["HR"]
    assert Identity.objects.get(user=dana).source == "oidc"
    page.context.close()


@pytest.mark.django_db(transaction=True)
def test_the_next_login_follows_the_changed_claim_and_keeps_groups_granted_by_hand(chromium, sso_web, provider,
                                                                                   library):
    provider.seed({"users": {"erin": {"password": "erin-at-idp", "groups": ["hr-staff"]}}})
    page = chromium.new_context(base_url=sso_web, viewport=DESKTOP, locale="en-US").new_page()
    page.set_default_timeout(20_000)
    sign_in(page, "erin", "erin-at-idp")
    expect(page.locator("#question")).to_be_visible()
    erin = User.objects.get(username="erin")
    erin.groups.add(library["Board"])  # by hand, in Acervo: no mapping names Board

    page.get_by_role("button", name="Log out").click()
    # The provider's session ended too: signing in again asks for the password at the provider.
    expect(page).to_have_url(f"{sso_web}/accounts/login/")
    provider.seed({"users": {"erin": {"groups": ["engineering"]}}})
    sign_in(page, "erin", "erin-at-idp")

    expect(page.locator("#question")).to_be_visible()
    assert collections_offered(page) == ["All my collections", "board-minutes", "eng-wiki"]
    assert sorted(erin.groups.values_list("name", flat=True)) == ["Board", "Engineering"]
    page.context.close()
