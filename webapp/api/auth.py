"""Bearer tokens for integrations, sessions for the browser; both rate-limited per user.

`TokenAuth` is the interface other endpoints build on: after it, `request.auth` is the token's owner (their
rights now, never more) and `request.api_token` the token; `require_scope(request, scope)` refuses a token
without that scope (a browser session has every scope: the user is there in person).
"""

import time

from ninja.security import HttpBearer, SessionAuth

from retrieval.contracts import events
from webapp.accounts.models import ApiToken, Scope
from webapp.accounts.tokens import client_address, token_authenticate
from webapp.errors import AppError

RATE_LIMITED = "Too many requests: at most {limit} per minute. Wait a moment and try again."
SCOPE_MISSING = "This token lacks the {scope!r} scope. Create a token with it at /account/tokens/."


def check_rate(user) -> None:
    from django.conf import settings

    limit = settings.API_RATE_LIMIT_PER_MINUTE
    key = events.key(f"rate:{user.pk}:{int(time.time() // 60)}")
    try:
        pipe = events.client().pipeline()
        count, _ = pipe.incr(key).expire(key, 90).execute()
    except Exception:
        return  # Redis down: the endpoints that need it answer 503 themselves
    if count > limit:
        raise AppError("rate_limited", RATE_LIMITED.format(limit=limit), status=429)


def token_find(raw: str, address: str | None = None) -> ApiToken | None:
    """The token a raw bearer value names, its use recorded and its owner's rate checked (AppError 429 past it);
    None for an unknown token, AppError 401 for a revoked or expired one or an inactive owner. Shared by /api/v1,
    /v1 and /mcp."""
    found = token_authenticate(raw=raw.strip(), address=address)
    if found is not None:
        check_rate(found.user)
    return found


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        """The token's owner, or None for an unknown token; AppError 401 for a revoked or expired one."""
        found = token_find(token, client_address(request))
        if found is None:
            return None
        request.user = found.user
        request.api_token = found
        return found.user


class BrowserSession(SessionAuth):
    """The signed-in browser's session; its CSRF check only for a request that has a session. Without one, a POST
    with no credentials (or with `Authorization: Token …`) gets the 401 a GET gets, not "CSRF check failed"."""

    def _get_key(self, request):
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user:
            check_rate(user)
        return user


def require_scope(request, scope: str) -> None:
    """Refuse (403) a token-authenticated request whose token lacks `scope` (one of accounts.models.Scope)."""
    if scope not in Scope.values:
        raise ValueError(f"unknown scope {scope!r}")
    token = getattr(request, "api_token", None)
    if token is not None and scope not in token.scopes:
        raise AppError("forbidden", SCOPE_MISSING.format(scope=scope), status=403)
