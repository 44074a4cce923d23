"""Writing and verifying the hash chain.

hash = sha256 of the canonical JSON (sorted keys, no blanks, UTF-8) of the entry's hashed fields, which include the
previous entry's hash and the sha256 of its `personal` part. Editing any hashed field, deleting an entry from the
middle or the end, or reordering entries breaks the chain; `verify()` says where.

Concurrent writers are serialised by updating the `ChainHead` row before reading it (see the model).
"""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from webapp.audit import context
from webapp.audit.models import AuditEntry, ChainHead

GENESIS = "0" * 64
HASHED = ("seq", "created_at", "kind", "actor_id", "surface", "object_type", "object_id", "data", "personal_sha256",
          "prev_hash")


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def personal_digest(personal: dict) -> str:
    return sha256_text(canonical(personal)) if personal else ""


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(entry: AuditEntry) -> str:
    fields = {name: getattr(entry, name) for name in HASHED}
    fields["created_at"] = _instant(entry.created_at)
    # Through JSON and back: what the database returns (jsonb reorders keys, turns tuples into lists).
    fields["data"] = json.loads(canonical(entry.data))
    return sha256_text(canonical(fields))


def record(kind: str, *, actor=None, actor_id: int | None = None, surface: str | None = None, obj=None,
           object_type: str = "", object_id="", data: dict | None = None, personal: dict | None = None) -> AuditEntry:
    """Append one entry. `actor` (a user) or `actor_id`; without either, the signed-in user of the current request.
    `obj`: a model instance, naming object_type/object_id. `personal`: names and free text, erasable later."""
    if actor is None and actor_id is None:
        actor = context.current_user()
    if actor is not None and getattr(actor, "pk", None) is not None:
        actor_id = actor.pk
        personal = {"username": actor.get_username(), **(personal or {})}
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, obj.pk
    personal = json.loads(canonical(personal or {}))
    with transaction.atomic():
        # Update first, read after: the update takes the lock (a read first could race on SQLite's snapshot).
        if not ChainHead.objects.filter(pk=1).update(last_seq=F("last_seq") + 1):
            ChainHead.objects.get_or_create(pk=1)
            ChainHead.objects.filter(pk=1).update(last_seq=F("last_seq") + 1)
        head = ChainHead.objects.get(pk=1)
        previous = head.last_hash
        entry = AuditEntry(
            seq=head.last_seq, created_at=timezone.now(), kind=kind, actor_id=actor_id,
            surface=surface or context.current_surface(), object_type=object_type, object_id=str(object_id or ""),
            data=json.loads(canonical(data or {})), personal=personal, personal_sha256=personal_digest(personal),
            prev_hash=previous,
        )
        entry.hash = entry_hash(entry)
        entry.save()
        ChainHead.objects.filter(pk=1).update(last_hash=entry.hash)
    return entry


@dataclass
class Verification:
    checked: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(batch: int = 2000) -> Verification:
    """Walk the chain in order; every problem names the entry (seq) and what is wrong with it."""
    result = Verification()
    start = _expected_start()
    expected_seq, expected_prev = start if start else (None, None)
    last = None
    queryset = AuditEntry.objects.order_by("seq")
    for entry in queryset.iterator(chunk_size=batch):
        if expected_seq is None:
            result.problems.append(
                f"entry #{entry.seq}: the chain starts here but neither the genesis nor a retention checkpoint "
                "accounts for the entries before it (deleted?)")
            expected_seq, expected_prev = entry.seq, entry.prev_hash
        if entry.seq != expected_seq:
            result.problems.append(f"entries #{expected_seq}–#{entry.seq - 1} are missing (deleted?)")
        elif entry.prev_hash != expected_prev:
            result.problems.append(f"entry #{entry.seq}: its previous hash does not match entry #{entry.seq - 1}")
        if entry_hash(entry) != entry.hash:
            result.problems.append(f"entry #{entry.seq}: its content does not match its hash (edited?)")
        if entry.personal_erased_at is None and personal_digest(entry.personal) != entry.personal_sha256:
            result.problems.append(f"entry #{entry.seq}: its personal data does not match its digest (edited?)")
        expected_seq, expected_prev, last = entry.seq + 1, entry.hash, entry
        result.checked += 1
    head = ChainHead.objects.filter(pk=1).first()
    if head and head.last_seq and (last is None or last.seq != head.last_seq or last.hash != head.last_hash):
        result.problems.append(
            f"the chain should end at entry #{head.last_seq}, but ends at #{last.seq if last else 0} (deleted?)")
    return result


def _expected_start() -> tuple[int, str] | None:
    """(seq, prev_hash) of the first entry: the genesis, or the end of the range the last retention pruned."""
    first = AuditEntry.objects.order_by("seq").values_list("seq", flat=True).first()
    if first in (None, 1):
        return 1, GENESIS
    checkpoints = AuditEntry.objects.filter(kind=AuditEntry.Kind.RETENTION).order_by("-seq")
    for checkpoint in checkpoints.iterator():
        if checkpoint.data.get("pruned_through_seq") == first - 1:
            return first, checkpoint.data["pruned_last_hash"]
    return None
