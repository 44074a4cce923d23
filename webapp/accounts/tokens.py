"""API token services: create, authenticate, revoke, list. The views, the admin and the API call these.

A token authenticates only while it is neither revoked nor expired and its owner is active; each failure is a
401 whose message says which, so an integration's operator knows what to do. Use is recorded (time and client
address) at most once a minute per token, or at once when the address changes: not a write on every request.
"""

import ipaddress
from datetime import timedelta

from django.utils import timezone

from webapp.accounts.models import ApiToken, RevokedReason, Scope, token_hash
from webapp.errors import AppError

TOKEN_EXPIRED = "This API token expired on {when:%Y-%m-%d %H:%M} UTC. Create a new one at /account/tokens/."
TOKEN_REVOKED = "This API token was revoked on {when:%Y-%m-%d %H:%M} UTC ({reason}). Create a new one at /account/tokens/."
TOKEN_OWNER_INACTIVE = "This API token's owner account is deactivated."
TOKEN_NAME_MISSING = "Give the token a name, so you can recognise it later."
TOKEN_SCOPES_MISSING = "Choose at least one scope."
TOKEN_SCOPE_UNKNOWN = "Unknown scope {scope!r}; the scopes are: {known}."
TOKEN_ADMIN_SCOPE = "Only administrators may create a token with the admin scope."
TOKEN_EXPIRY_INVALID = "The expiry must be a whole number of days between 1 and {limit}, or empty for no expiry."

MAX_EXPIRY_DAYS = 3650
LAST_USED_PRECISION = timedelta(minutes=1)


def client_address(request) -> str | None:
    """The client's address as the server saw it (uvicorn puts a trusted proxy's X-Forwarded-For there)."""
    value = request.META.get("REMOTE_ADDR") or ""
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def token_authenticate(*, raw: str, address: str | None) -> ApiToken | None:
    """The token for this raw value, its use recorded; None when no token has it.

    Raises AppError (401) for a revoked or expired token or one whose owner is inactive."""
    token = ApiToken.objects.select_related("user").filter(digest=token_hash(raw)).first()
    if token is None:
        return None
    if token.revoked_at is not None:
        reason = RevokedReason(token.revoked_reason).label if token.revoked_reason else "revoked"
        raise AppError("token_revoked", TOKEN_REVOKED.format(when=token.revoked_at, reason=reason), status=401)
    if token.state == "expired":
        raise AppError("token_expired", TOKEN_EXPIRED.format(when=token.expires_at), status=401)
    if not token.user.is_active:
        raise AppError("token_owner_inactive", TOKEN_OWNER_INACTIVE, status=401)
    _record_use(token, address)
    return token


def _record_use(token: ApiToken, address: str | None) -> None:
    now = timezone.now()
    stale = token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION
    if stale or address != token.last_used_address:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now, last_used_address=address)
        token.last_used_at, token.last_used_address = now, address


def scopes_offered(user) -> list[Scope]:
    """The scopes this user may put on a token: admin only for staff and superusers."""
    return [s for s in Scope if s != Scope.ADMIN or user.is_staff or user.is_superuser]


def token_create(*, user, name: str, scopes: list[str], expires_in_days: int | None) -> tuple[ApiToken, str]:
    """A new token for `user` and its raw value (shown once). Raises AppError (400) on a bad name, scope or expiry."""
    name = name.strip()
    if not name:
        raise AppError("invalid_request", TOKEN_NAME_MISSING)
    offered = {s.value for s in scopes_offered(user)}
    if not scopes:
        raise AppError("invalid_request", TOKEN_SCOPES_MISSING)
    if Scope.ADMIN in scopes and Scope.ADMIN not in offered:
        raise AppError("forbidden", TOKEN_ADMIN_SCOPE, status=403)
    for scope in scopes:
        if scope not in offered:
            raise AppError("invalid_request", TOKEN_SCOPE_UNKNOWN.format(scope=scope, known=", ".join(offered)))
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_EXPIRY_DAYS:
        raise AppError("invalid_request", TOKEN_EXPIRY_INVALID.format(limit=MAX_EXPIRY_DAYS))
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days else None
    return ApiToken.issue(user=user, name=name[:100], scopes=scopes, expires_at=expires_at)


def tokens_of(user):
    """The user's tokens, newest first, revoked ones included (they stay listed: the audit names them)."""
    return ApiToken.objects.filter(user=user)


def token_revoke(*, token_id: int, user, reason: str = RevokedReason.OWNER) -> bool:
    """Revoke one of `user`'s tokens. False when the user has no such token or it was revoked already."""
    return ApiToken.objects.filter(pk=token_id, user=user).revoke(reason) == 1


def tokens_revoke_for_user(*, user, reason: str) -> int:
    """Revoke every token of `user` still in force; the number revoked."""
    return ApiToken.objects.filter(user=user).revoke(reason)
