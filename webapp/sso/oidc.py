"""OpenID Connect login through mozilla-django-oidc, configured from the environment (README: Single sign-on).

The library runs the authorization-code flow (state, nonce, PKCE, signature checks against the provider's keys).
This module adds what Acervo needs around it:
- endpoints from the provider's discovery document (OIDC_OP_DISCOVERY_URL), fetched at the first login rather than
  at start-up, so a provider that is down stops single sign-on only, not the site; explicit endpoint settings win;
- users found by their subject (`sub`, see models.Identity), created at their first login with the provider's
  username, name and e-mail, and an unusable local password;
- the group claim (OIDC_GROUPS_CLAIM, a dotted path for nested claims) mapped to Acervo groups at every login;
- the provider's end_session endpoint at logout (`end_session_url`).
"""

import functools
import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from mozilla_django_oidc import views as oidc_views
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from webapp.sso.groups import user_groups_sync
from webapp.sso.models import Identity, Source

log = logging.getLogger(__name__)
BACKEND = "webapp.sso.oidc.OidcBackend"
# Setting name → the discovery document's key.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "OIDC_OP_LOGOUT_ENDPOINT": "end_session_endpoint",
}


@functools.cache
def _discovered(url: str) -> dict:
    """The provider's discovery document; a failure is not cached, the next login asks again."""
    response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
    response.raise_for_status()
    return response.json()


def endpoint(name: str) -> str:
    """An endpoint URL: its setting when given, else the discovery document's; "" when the provider has none."""
    explicit = getattr(settings, name, "")
    if explicit or not settings.OIDC_OP_DISCOVERY_URL:
        return explicit
    url = settings.OIDC_OP_DISCOVERY_URL
    if "/.well-known/" not in url:
        url = url.rstrip("/") + "/.well-known/openid-configuration"
    return _discovered(url).get(ENDPOINTS[name]) or ""


def claim(claims: dict, path: str):
    """A claim by dotted path ("realm_access.roles"); None when absent."""
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def claim_values(claims: dict, path: str) -> list[str]:
    value = claim(claims, path)
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in value.replace(",", " ").split() if part]
    return [str(item) for item in value]


class OidcBackend(OIDCAuthenticationBackend):
    """Authenticates the provider's callback only (a request carrying `code` and `state`)."""

    def __init__(self, *args, **kwargs):
        # Django builds a backend for every request of a logged-in user: endpoints are read at login instead.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if request is None or "code" not in request.GET or not settings.OIDC_ENABLED:
            return None
        self.OIDC_OP_TOKEN_ENDPOINT = endpoint("OIDC_OP_TOKEN_ENDPOINT")
        self.OIDC_OP_USER_ENDPOINT = endpoint("OIDC_OP_USER_ENDPOINT")
        self.OIDC_OP_JWKS_ENDPOINT = endpoint("OIDC_OP_JWKS_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        if self.OIDC_RP_SIGN_ALGO[:2] in ("RS", "ES") and not self.OIDC_OP_JWKS_ENDPOINT:
            raise ImproperlyConfigured(f"OIDC_RP_SIGN_ALGO={self.OIDC_RP_SIGN_ALGO} needs OIDC_OP_JWKS_ENDPOINT "
                                       "or OIDC_OP_DISCOVERY_URL")
        return super().authenticate(request, **kwargs)

    # The library's get_user returns deactivated users too: a deactivated account must lose its sessions at once.
    get_user = ModelBackend.get_user

    def get_userinfo(self, access_token, id_token, payload):
        """The ID token's claims, completed by the userinfo endpoint when the provider has one (Azure AD, for
        one, puts `groups` in the ID token only)."""
        claims = dict(payload)
        if self.OIDC_OP_USER_ENDPOINT:
            claims.update(super().get_userinfo(access_token, id_token, payload))
        return claims

    def verify_claims(self, claims):
        return bool(claims.get("sub"))

    def filter_users_by_claims(self, claims):
        return self.UserModel.objects.filter(sso_identities__source=Source.OIDC,
                                             sso_identities__subject=str(claims["sub"]))

    @transaction.atomic
    def create_user(self, claims):
        user = self.UserModel(username=self._free_username(claims))
        user.set_unusable_password()
        user.save()
        Identity.objects.create(source=Source.OIDC, subject=str(claims["sub"]), user=user)
        log.info("single sign-on: created user %s for subject %s", user.username, claims["sub"])
        return self.update_user(user, claims)

    def update_user(self, user, claims):
        """Name and e-mail follow the provider; the mapped groups follow its group claim."""
        fields = {"email": str(claims.get("email") or "")[:254],
                  "first_name": str(claims.get("given_name") or "")[:150],
                  "last_name": str(claims.get("family_name") or "")[:150]}
        changed = [name for name, value in fields.items() if value and getattr(user, name) != value]
        for name in changed:
            setattr(user, name, fields[name])
        if changed:
            user.save(update_fields=changed)
        user_groups_sync(user=user, source=Source.OIDC, values=claim_values(claims, settings.OIDC_GROUPS_CLAIM))
        return user

    def _free_username(self, claims) -> str:
        """The provider's username (or e-mail, or subject); an existing local account's name gets a suffix."""
        base = (claim(claims, settings.OIDC_USERNAME_CLAIM) or claims.get("email") or str(claims["sub"]))[:140]
        name, n = base, 1
        while self.UserModel.objects.filter(username__iexact=name).exists():
            n += 1
            name = f"{base}-{n}"
        return name


class _WhenEnabled:
    def dispatch(self, request, *args, **kwargs):
        if not settings.OIDC_ENABLED:
            raise Http404("single sign-on is not configured")
        return super().dispatch(request, *args, **kwargs)


class AuthenticateView(_WhenEnabled, oidc_views.OIDCAuthenticationRequestView):
    """Sends the browser to the provider's login page; back to ours with a reason when the provider cannot be
    reached."""

    def __init__(self, *args, **kwargs):
        super(oidc_views.OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        try:
            self.OIDC_OP_AUTH_ENDPOINT = endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except (requests.RequestException, ValueError) as exc:
            log.warning("single sign-on: the provider's discovery document could not be read: %s", exc)
            return HttpResponseRedirect(reverse("login") + "?sso=unavailable")
        return super().get(request)


class CallbackView(_WhenEnabled, oidc_views.OIDCAuthenticationCallbackView):
    """The provider's answer; a failure (refused, provider unreachable, bad token) lands on the login page
    with a reason instead of an error page."""

    def get(self, request):
        try:
            return super().get(request)
        except (requests.RequestException, SuspiciousOperation) as exc:
            log.warning("single sign-on: login failed: %s", exc)
            return self.login_failure()


def end_session_url(request) -> str:
    """Where logout sends a single sign-on session: the provider's end_session endpoint (it ends the session
    there too, then comes back to our login page); "" for other sessions or a provider without one."""
    if request.session.get(BACKEND_SESSION_KEY) != BACKEND:
        return ""
    try:
        url = endpoint("OIDC_OP_LOGOUT_ENDPOINT")
    except (requests.RequestException, ValueError):
        return ""
    if not url:
        return ""
    params = {"client_id": settings.OIDC_RP_CLIENT_ID,
              "post_logout_redirect_uri": request.build_absolute_uri(reverse("login"))}
    if request.session.get("oidc_id_token"):
        params["id_token_hint"] = request.session["oidc_id_token"]
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"
