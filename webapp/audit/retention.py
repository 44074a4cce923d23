"""Retention: conversations (with their messages, citations, feedback and answer streams), usage rows and audit
entries older than their configured periods are removed (settings *_RETENTION_DAYS; 0 keeps them for ever), and the
personal part of audit entries (names, question text, addresses) is erased sooner (AUDIT_PERSONAL_RETENTION_DAYS).

Audit entries are pruned from the start of the chain only, and a `retention` checkpoint entry records the last
pruned entry's seq and hash, so `verify_audit` still checks the whole remaining chain from its first entry.
Run hourly by the worker's heartbeat thread (`retention_tick`: one worker per period, through a Redis lock) and by
`manage.py apply_retention`.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from webapp.audit.chain import record
from webapp.audit.models import AuditEntry
from webapp.audit.redis_keys import messages_forget
from webapp.chat.models import Conversation, Message

log = logging.getLogger(__name__)


@dataclass
class Pruned:
    conversations: int = 0
    messages: int = 0
    usage_rows: int = 0
    audit_entries: int = 0
    audit_entries_pseudonymised: int = 0


def retention_apply(*, now=None) -> Pruned:
    now = now or timezone.now()
    pruned = Pruned()
    if settings.CONVERSATION_RETENTION_DAYS:
        pruned.conversations, pruned.messages = conversations_prune(now - timedelta(days=settings.CONVERSATION_RETENTION_DAYS))
    if settings.USAGE_RETENTION_DAYS:
        from webapp.usage.models import AnswerUsage

        pruned.usage_rows = AnswerUsage.objects.filter(
            created_at__lt=now - timedelta(days=settings.USAGE_RETENTION_DAYS)).delete()[0]
    if settings.AUDIT_RETENTION_DAYS:
        pruned.audit_entries = audit_prune(now - timedelta(days=settings.AUDIT_RETENTION_DAYS))
    if settings.AUDIT_PERSONAL_RETENTION_DAYS:
        pruned.audit_entries_pseudonymised = audit_pseudonymise(now - timedelta(days=settings.AUDIT_PERSONAL_RETENTION_DAYS))
    return pruned


def audit_pseudonymise(before) -> int:
    """Erase the personal part (names, question text, addresses) of entries created before `before`; their hashes,
    the digest of what was erased included, stay, so the chain still verifies."""
    old = AuditEntry.objects.filter(created_at__lt=before, personal_erased_at__isnull=True).exclude(personal={})
    return old._maintenance_update(personal={}, personal_erased_at=timezone.now())


def conversations_prune(before) -> tuple[int, int]:
    """Conversations last touched before `before`; returns (conversations, messages) removed."""
    old = Conversation.objects.filter(updated_at__lt=before)
    message_ids = list(Message.objects.filter(conversation__in=old).values_list("pk", flat=True))
    count = old.count()
    old.delete()
    try:
        messages_forget(message_ids)
    except Exception as exc:  # Redis away: the streams expire on their own within a day (retrieval.contracts.events)
        log.warning("retention: answer streams left to expire: %s", exc)
    return count, len(message_ids)


def audit_prune(before) -> int:
    """Entries created before `before`, from the chain's start; the checkpoint is written in the same transaction."""
    with transaction.atomic():
        last = AuditEntry.objects.filter(created_at__lt=before).exclude(kind=AuditEntry.Kind.RETENTION).order_by("-seq").first()
        if last is None:
            return 0
        first = AuditEntry.objects.order_by("seq").values_list("seq", flat=True).first()
        count = AuditEntry.objects.filter(seq__lte=last.seq).count()
        record(AuditEntry.Kind.RETENTION, surface="worker", data={
            "pruned_from_seq": first, "pruned_through_seq": last.seq, "pruned_last_hash": last.hash, "count": count,
            "before": before.isoformat(), "retention_days": settings.AUDIT_RETENTION_DAYS})
        AuditEntry.objects.filter(seq__lte=last.seq)._maintenance_delete()
    return count


def retention_tick() -> None:
    """From the worker's heartbeat: apply retention once per RETENTION_EVERY_S across all workers."""
    from retrieval.contracts import events

    if not events.client().set(events.key("retention:lock"), 1, nx=True, ex=settings.RETENTION_EVERY_S):
        return
    pruned = retention_apply()
    if any(vars(pruned).values()):
        log.info("retention: %s", pruned)
