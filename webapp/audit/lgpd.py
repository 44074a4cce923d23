"""The data subject's rights (LGPD art. 18): everything held about a person, and its erasure.

`user_export` gathers account, conversations (messages, citations), feedback, API tokens, usage and audit entries.
`user_erase` removes the person's conversations (database and Redis streams), feedback, tokens, sessions, login
attempts, single sign-on identities and account; it keeps, without anything that names the person, what the company must keep:
- audit entries (accountability, LGPD art. 7 II and 16 I): their `personal` part (name, question text, address) is
  erased, their hashes stay, so the chain still verifies; they keep a user number that no longer leads to anyone;
- usage rows (what each answer cost): the user is cleared;
- documents the person uploaded: they belong to the company's collections; the uploader is cleared.
The index holds documents' passages only (a question is never indexed), so it has nothing of theirs.
"""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from webapp.audit.chain import record
from webapp.audit.exports import entry_row
from webapp.audit.models import AuditEntry
from webapp.audit.redis_keys import messages_forget
from webapp.chat.models import Conversation, Feedback, Message


def user_find(name_or_id: str):
    """The user by username, else by id; LookupError naming what was looked for."""
    users = get_user_model().objects
    found = users.filter(username=name_or_id).first()
    if found is None and str(name_or_id).isdigit():
        found = users.filter(pk=int(name_or_id)).first()
    if found is None:
        raise LookupError(f"no user named {name_or_id!r}")
    return found


def _audit_of(user):
    return AuditEntry.objects.filter(Q(actor_id=user.pk) | Q(personal__username=user.get_username())
                                     | Q(object_type="auth.user", object_id=str(user.pk)) | Q(data__owner_id=user.pk))


def user_export(user) -> dict:
    from webapp.usage.models import AnswerUsage

    conversations = Conversation.objects.filter(user=user).prefetch_related("messages__citations")
    return {
        "exported_at": timezone.now().isoformat(),
        "account": {
            "id": user.pk, "username": user.get_username(), "first_name": user.first_name, "last_name": user.last_name,
            "email": user.email, "date_joined": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else None, "is_active": user.is_active,
            "is_staff": user.is_staff, "is_superuser": user.is_superuser,
            "groups": list(user.groups.values_list("name", flat=True)),
        },
        "conversations": [_conversation(c) for c in conversations],
        "feedback": [{"message_id": f.message_id, "thumbs_up": f.thumbs_up, "comment": f.comment,
                      "created_at": f.created_at.isoformat()} for f in Feedback.objects.filter(user=user)],
        "api_tokens": [{"name": t.name, "prefix": t.prefix, "scopes": t.scopes, "created_at": t.created_at.isoformat(),
                        "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None,
                        "revoked_at": str(getattr(t, "revoked_at", None) or "") or None} for t in user.api_tokens.all()],
        "usage": [{"message_id": u.message_id, "surface": u.surface, "profile": u.profile_name,
                   "collections": u.collections, "created_at": u.created_at.isoformat(),
                   "prompt_tokens": u.prompt_tokens, "completion_tokens": u.completion_tokens,
                   "model_seconds": u.model_seconds} for u in AnswerUsage.objects.filter(user=user)],
        "sso_identities": [{"source": i.source, "subject": i.subject, "created_at": i.created_at.isoformat()}
                           for i in user.sso_identities.all()] if hasattr(user, "sso_identities") else [],
        "documents_uploaded": list(user.document_set.values("id", "title", "collection_id", "created_at"))
        if hasattr(user, "document_set") else [],
        "audit_entries": [entry_row(e) for e in _audit_of(user).order_by("seq")],
    }


def _conversation(conversation) -> dict:
    return {"id": conversation.pk, "title": conversation.title, "created_at": conversation.created_at.isoformat(),
            "messages": [{"id": m.pk, "role": m.role, "text": m.text, "status": m.status, "outcome": m.outcome,
                          "created_at": m.created_at.isoformat(), "params": m.params, "usage": m.usage,
                          "citations": [{"n": c.n, "title": c.title, "document_id": c.document_id, "page": c.page,
                                         "cited": c.cited} for c in m.citations.all()]}
                         for m in conversation.messages.all()]}


@dataclass
class Erasure:
    removed: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)


def user_erase(user) -> Erasure:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    from webapp.usage.models import AnswerUsage

    done = Erasure()
    pk, username = user.pk, user.get_username()
    message_ids = list(Message.objects.filter(conversation__user=user).values_list("pk", flat=True))
    _stop_answers(user)
    _secure_delete_on()
    with transaction.atomic():
        done.removed["conversations"] = Conversation.objects.filter(user=user).count()
        done.removed["messages"] = len(message_ids)
        Conversation.objects.filter(user=user).delete()
        done.removed["feedback"] = Feedback.objects.filter(user=user).delete()[0]
        done.removed["api_tokens"] = user.api_tokens.count()
        for token in user.api_tokens.all():
            token.delete()  # one by one: each revocation is audited
        done.removed["sessions"] = _sessions_delete(pk)
        if hasattr(user, "sso_identities"):
            done.removed["sso_identities"] = user.sso_identities.all().delete()[0]
        done.removed["login_records"] = sum(model.objects.filter(username=username).delete()[0]
                                            for model in (AccessAttempt, AccessFailureLog, AccessLog))
        usage = AnswerUsage.objects.filter(user=user).update(user=None)
        documents = user.document_set.update(uploaded_by=None) if hasattr(user, "document_set") else 0
        audit = _audit_of(user)._maintenance_update(personal={}, personal_erased_at=timezone.now())
        user.delete()
        done.removed["account"] = 1
        record(AuditEntry.Kind.USER_ERASED, object_type="auth.user", object_id=pk,
               data={"user_id": pk, "removed": done.removed, "audit_entries_pseudonymised": audit,
                     "usage_rows_kept": usage, "documents_kept": documents})
    done.removed["redis_keys"] = messages_forget(message_ids) + _rate_keys_forget(pk)
    done.kept = [
        f"{audit} audit entries, without name, question text or address: the company must be able to account for "
        "what was answered (LGPD art. 7 II, 16 I); their hashes stay so the trail still verifies, and the user "
        "number in them leads to no one now.",
        f"{usage} usage rows (tokens, model time, collection, profile) without the user: cost accounting.",
        f"{documents} documents this person uploaded, with their files: they belong to the company's collections; "
        "the uploader was cleared.",
        "The search index: it holds documents' passages only; questions and answers are never indexed.",
    ]
    _checkpoint()
    return done


def _stop_answers(user, wait_s: float = 30.0) -> None:
    """Stop the person's answers being written and wait for them to end (within a token, or their timeout), so no
    worker writes to their streams after the erasure. Queued ones need nothing: a worker skips a deleted message."""
    import time

    from retrieval.contracts import events

    running = Message.objects.filter(conversation__user=user, status=Message.Status.RUNNING)
    stopping = list(running.values_list("pk", flat=True))
    try:
        for message_id in stopping:
            events.request_cancel(message_id)
    except Exception:
        return  # Redis away: nothing is being streamed either
    deadline = time.monotonic() + wait_s
    while running.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    # The worker stores the ending, then writes its last event: wait for that event too, or the stream deleted
    # next would be written again a moment later.
    while stopping and time.monotonic() < deadline:
        stopping = [pk for pk in stopping if not _stream_ended(events, pk)]
        time.sleep(0.1 if stopping else 0)


def _stream_ended(events, message_id: int) -> bool:
    last = events.client().xrevrange(events.stream_key(message_id), count=1)
    if not last:
        return False
    fields = last[0][1]
    return (fields.get(b"event") or b"").decode() in events.TERMINAL_EVENTS


def _sessions_delete(user_id: int) -> int:
    doomed = [s.pk for s in Session.objects.all() if str(s.get_decoded().get("_auth_user_id")) == str(user_id)]
    return Session.objects.filter(pk__in=doomed).delete()[0]


def _rate_keys_forget(user_id: int) -> int:
    from retrieval.contracts import events

    client = events.client()
    keys = list(client.scan_iter(match=events.key(f"rate:{user_id}:*")))
    return client.delete(*keys) if keys else 0


def _secure_delete_on() -> None:
    """SQLite: deleted rows are overwritten with zeros instead of lingering in free pages."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def _checkpoint() -> None:
    """SQLite: copy the write-ahead log into the database and empty it, so older page images go too (best effort:
    another process reading at that moment leaves part of it for the next checkpoint)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
