"""API tokens: stored hashed, shown once, scoped, optionally expiring, revoked but never deleted.

A token is a key to its owner's account, never more: every access decision reads the owner's rights at the
time of the request, and an inactive owner's tokens stop working. Revoked tokens stay as rows so the audit
(admin list, last use, address) can still name them; `revoked_reason` says who or what revoked one.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

TOKEN_PREFIX = "acv_"

# Scope names before issue 19, and what each one granted (the data migration 0002 rewrites stored tokens:
# "chat" also granted search then; a token issued now with "chat" asks questions only).
LEGACY_SCOPES = {"chat": ["chat", "search"], "documents": ["documents:read", "documents:write"]}


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Scope(models.TextChoices):
    CHAT = "chat", _("Ask questions (chat)")
    SEARCH = "search", _("Search passages")
    DOCUMENTS_READ = "documents:read", _("Read documents and their status")
    DOCUMENTS_WRITE = "documents:write", _("Upload, replace and delete documents")
    ADMIN = "admin", _("Administration (only what the owner may do as an administrator)")


# What a token gets when no scopes are named: everything but administration.
DEFAULT_SCOPES = [Scope.CHAT.value, Scope.SEARCH.value, Scope.DOCUMENTS_READ.value, Scope.DOCUMENTS_WRITE.value]


def scopes_expand(names) -> list[str]:
    """Known scope names in a stable order; the legacy "documents" means documents:read and documents:write.

    Raises ValueError naming an unknown scope."""
    wanted = set()
    for name in names:
        if name in Scope.values:
            wanted.add(name)
        elif name in LEGACY_SCOPES:
            wanted.update(LEGACY_SCOPES[name])
        else:
            raise ValueError(f"unknown scope {name!r}; known: {', '.join(Scope.values)}")
    return [s for s in Scope.values if s in wanted]


class RevokedReason(models.TextChoices):
    OWNER = "owner", _("revoked by its owner")
    ADMIN = "admin", _("revoked by an administrator")
    PASSWORD_CHANGED = "password_changed", _("revoked when the owner's password changed")
    DEACTIVATED = "deactivated", _("revoked when the owner's account was deactivated")


class ApiTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens that authenticate now: not revoked, not expired, owner active."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True, user__is_active=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))

    def revoke(self, reason: str) -> int:
        """Revoke the tokens not yet revoked (a conditional update: a second call changes nothing)."""
        return self.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_reason=reason)


class ApiToken(models.Model):
    Scope = Scope

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=12, help_text="first characters, to recognise a token")
    scopes = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="empty: never expires")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=20, choices=RevokedReason.choices, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    last_used_address = models.GenericIPAddressField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name} ({self.user})".replace("  ", " ")

    @property
    def state(self) -> str:
        """"active", "expired" or "revoked" (revocation wins: it is the act someone chose)."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"

    @classmethod
    def issue(cls, *, user, name: str = "", scopes: list[str] | None = None,
              expires_at=None) -> tuple["ApiToken", str]:
        """Create a token; the raw value is returned once and never stored."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            name=name,
            digest=token_hash(raw),
            prefix=raw[:10],
            scopes=scopes_expand(scopes) if scopes is not None else list(DEFAULT_SCOPES),
            expires_at=expires_at,
        )
        return token, raw
