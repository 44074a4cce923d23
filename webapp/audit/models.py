"""The audit trail: append-only entries, each chained to the previous one's hash (`webapp.audit.chain`).

Entries are never updated or deleted through the ORM: `save()` of an existing row, `delete()` and the queryset's
`update()`/`delete()` raise. The only exceptions are the two operations the law asks for, each of which keeps the
chain verifiable: erasing a person's `personal` data (its digest stays in the hashed part) and pruning entries past
their retention (a checkpoint entry records the pruned range's last hash). They go through `AuditEntry.maintenance`.

`actor_id` is a plain number, not a foreign key: deleting a user must not rewrite hashed rows.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntryIsAppendOnly(Exception):
    pass


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditEntryIsAppendOnly("audit entries cannot be updated")

    def delete(self):
        raise AuditEntryIsAppendOnly("audit entries cannot be deleted")

    def _maintenance_update(self, **kwargs) -> int:
        return super().update(**kwargs)

    def _maintenance_delete(self):
        return super().delete()


class AuditEntry(models.Model):
    class Kind(models.TextChoices):
        ANSWER = "answer", _("answer (evidence record)")
        LOGIN = "login", _("login")
        LOGIN_FAILED = "login_failed", _("failed login")
        LOGOUT = "logout", _("logout")
        TOKEN_CREATED = "token_created", _("API token created")
        TOKEN_REVOKED = "token_revoked", _("API token revoked")
        PERMISSION = "permission", _("permission or role change")
        DOCUMENT_UPLOADED = "document_uploaded", _("document uploaded")
        DOCUMENT_REPLACED = "document_replaced", _("document replaced")
        DOCUMENT_DELETED = "document_deleted", _("document deleted")
        PROFILE = "profile", _("model profile change")
        EXPORT = "export", _("export")
        CONVERSATION_READ = "conversation_read", _("conversation read by an admin")
        USER_ERASED = "user_erased", _("user's data erased")
        RETENTION = "retention", _("retention checkpoint")

    seq = models.BigIntegerField(unique=True, help_text=_("position in the chain, from 1"))
    created_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=24, choices=Kind.choices, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True, help_text=_("user id (kept after erasure)"))
    surface = models.CharField(max_length=12, blank=True, help_text=_("browser, api, openai, mcp, admin, cli, worker"))
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Personal data (names, question text, addresses): outside the hash, its digest inside; erasable.
    personal = models.JSONField(default=dict, blank=True)
    personal_sha256 = models.CharField(max_length=64, blank=True)
    personal_erased_at = models.DateTimeField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AuditEntryIsAppendOnly("audit entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditEntryIsAppendOnly("audit entries cannot be deleted")


class ChainHead(models.Model):
    """One row (pk=1): the last entry's seq and hash. Writers lock it by updating it first, which serialises them
    on SQLite (the write lock) and PostgreSQL (the row lock) alike; verify_audit compares the last entry with it."""

    last_seq = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
