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


class TokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        found = ApiToken.objects.select_related("user").filter(digest=token_hash(token)).first()
        if found is None or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at > LAST_USED_PRECISION:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)  # not a write on every request
        request.user = found.user
        request.api_token = found
        check_rate(found.user)
        return found.user


class BrowserSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user:
            check_rate(user)
        return user


def require_scope(request, scope: str) -> None:
    token = getattr(request, "api_token", None)
    if token is not None and scope not in token.scopes:
        raise AppError("forbidden", f"This token lacks the {scope!r} scope.", status=403)
