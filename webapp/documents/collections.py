"""Collections as staff manage them from the web: create, rename, choose the groups that may read each one,
and see how much each one holds.

A staff member manages the collections they may read (superusers: all). Someone who is not a superuser
cannot take their own access away: at least one of their groups must stay among the readers.
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Count, F

from webapp.accounts.selectors import collections_readable_by
from webapp.documents.models import Chunk, Collection, Document
from webapp.errors import AppError

NAME_MAX = 120
NOT_STAFF = "Only staff users may manage collections."
NAME_EMPTY = "The name is empty."
NAME_TAKEN = "A collection named {name!r} already exists."
WOULD_LOSE_ACCESS = "At least one of your groups must be able to read the collection, or you would lose access to it."
COLLECTION_NOT_FOUND = "Collection not found."


@dataclass(frozen=True)
class CollectionRow:
    collection: Collection
    groups: list[str]
    documents: int
    indexed: int
    failed: int
    chunks: int

    @property
    def in_progress(self) -> int:
        return self.documents - self.indexed - self.failed


def collection_overview(*, user) -> list[CollectionRow]:
    """The collections `user` may read, each with its reader groups, document counts by outcome and live chunks."""
    collections = list(collections_readable_by(user).prefetch_related("groups").order_by("name"))
    ids = [c.pk for c in collections]
    by_status: dict[tuple[int, str], int] = {
        (row["collection_id"], row["status"]): row["n"]
        for row in Document.objects.filter(collection_id__in=ids).values("collection_id", "status").annotate(n=Count("id"))
    }
    chunks = dict(
        Chunk.objects.filter(document__collection_id__in=ids, version=F("document__version"))
        .values("document__collection_id").annotate(n=Count("id")).values_list("document__collection_id", "n")
    )
    rows = []
    for c in collections:
        counts = {status: n for (cid, status), n in by_status.items() if cid == c.pk}
        rows.append(CollectionRow(
            collection=c, groups=sorted(g.name for g in c.groups.all()), documents=sum(counts.values()),
            indexed=counts.get(Document.Status.INDEXED, 0), failed=counts.get(Document.Status.FAILED, 0),
            chunks=chunks.get(c.pk, 0),
        ))
    return rows


def collection_create(*, user, name: str, description: str = "", groups: list[Group] | None = None) -> Collection:
    """A new collection readable by `groups` (default: the creator's groups)."""
    _check_staff(user)
    groups = list(user.groups.all()) if groups is None else list(groups)
    _check_keeps_access(user, groups)
    name = _checked_name(name)
    try:
        with transaction.atomic():
            collection = Collection.objects.create(name=name, description=(description or "").strip())
            collection.groups.set(groups)
    except IntegrityError:
        raise AppError("name_taken", NAME_TAKEN.format(name=name), status=409, details={"field": "name"}) from None
    return collection


def collection_update(*, user, collection_id: int, name: str, description: str, groups: list[Group]) -> Collection:
    """Rename a collection, change its description and the groups that may read it."""
    _check_staff(user)
    collection = collections_readable_by(user).filter(pk=collection_id).first()
    if collection is None:
        raise AppError("not_found", COLLECTION_NOT_FOUND, status=404)
    _check_keeps_access(user, list(groups))
    collection.name, collection.description = _checked_name(name), (description or "").strip()
    try:
        with transaction.atomic():
            collection.save(update_fields=["name", "description"])
            collection.groups.set(groups)
    except IntegrityError:
        raise AppError("name_taken", NAME_TAKEN.format(name=collection.name), status=409, details={"field": "name"}) from None
    return collection


def _check_staff(user) -> None:
    if not (user.is_staff or user.is_superuser):
        raise AppError("forbidden", NOT_STAFF, status=403)


def _checked_name(name: str) -> str:
    name = " ".join((name or "").split())[:NAME_MAX]
    if not name:
        raise AppError("name_empty", NAME_EMPTY, details={"field": "name"})
    return name


def _check_keeps_access(user, groups: list[Group]) -> None:
    if user.is_superuser:
        return
    if not {g.pk for g in groups} & set(user.groups.values_list("pk", flat=True)):
        raise AppError("would_lose_access", WOULD_LOSE_ACCESS, details={"field": "groups"})
