"""Bearer tokens for integrations, sessions for the browser; both rate-limited per user."""

import time
from datetime import timedelta

from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from retrieval import events
from webapp.accounts.models import ApiToken, token_hash
from webapp.errors import AppError

RATE_LIMITED = "Too many requests: at most {limit} per minute. Wait a moment and try again."


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


# How fresh "last used" is in the admin: enough to spot an unused token.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_find(raw: str) -> ApiToken | None:
    """The token a raw bearer value names, its owner active, its last use recorded, the owner's rate checked
    (AppError 429 past it); None for an unknown token or an inactive owner. Shared by /api/v1 and /mcp."""
    found = ApiToken.objects.select_related("user").filter(digest=token_hash(raw)).first()
    if found is None or not found.user.is_active:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)  # not a write on every request
    check_rate(found.user)
    return found


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = token_find(token)
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
    token = getattr(request, "api_token", None)
    if token is not None and scope not in token.scopes:
        raise AppError("forbidden", f"This token lacks the {scope!r} scope.", status=403)
