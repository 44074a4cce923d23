"""Collections as their managers handle them from the web: create, rename, choose which groups hold which role,
and see how much each one holds.

Who may do each is `webapp.access.decide`'s: staff create collections (and become their managers); a collection's
managers edit it. Someone who is not a superuser cannot take their own management away: after an edit they must
still be a manager of the collection (through one of their groups, or a grant of their own).
"""

from dataclasses import dataclass

from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction
from django.db.models import Count, F

from webapp.access import decide, grants
from webapp.access.models import Role
from webapp.documents.models import Chunk, Collection, Document
from webapp.errors import AppError

NAME_MAX = 120
NOT_STAFF = "Only staff users may create collections."
NAME_EMPTY = "The name is empty."
NAME_TAKEN = "A collection named {name!r} already exists."
WOULD_LOSE_ACCESS = "You must stay a manager of the collection: keep the manager role for one of your groups."


@dataclass(frozen=True)
class CollectionRow:
    collection: Collection
    roles: dict[str, list[str]]  # role → names of the groups holding it
    documents: int
    indexed: int
    failed: int
    chunks: int

    @property
    def in_progress(self) -> int:
        return self.documents - self.indexed - self.failed

    @property
    def groups(self) -> list[str]:
        """Every group holding a role (any role includes reading)."""
        return sorted(name for names in self.roles.values() for name in names)


def collection_overview(*, user) -> list[CollectionRow]:
    """The collections `user` manages, each with its groups by role, document counts by outcome and live chunks."""
    collections = list(decide.collections_for(user, Role.MANAGER).order_by("name"))
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
            collection=c, roles=grants.group_names_by_role(c), documents=sum(counts.values()),
            indexed=counts.get(Document.Status.INDEXED, 0), failed=counts.get(Document.Status.FAILED, 0),
            chunks=chunks.get(c.pk, 0),
        ))
    return rows


def collection_create(*, user, name: str, description: str = "",
                      group_roles: dict[Group, str | None] | None = None) -> Collection:
    """A new collection whose groups hold `group_roles` (default: the creator's groups, as readers); the creator
    (unless a superuser, who needs no grant) becomes its manager."""
    if not decide.may_create_collections(user):
        raise decide.Refused(NOT_STAFF)
    if group_roles is None:
        group_roles = {group: Role.READER for group in user.groups.all()}
    name = _checked_name(name)
    try:
        with transaction.atomic():
            collection = Collection.objects.create(name=name, description=(description or "").strip())
            grants.group_roles_set(collection, group_roles)
            if not decide.superuser(user):
                grants.grant(collection, user=user, role=Role.MANAGER)
    except IntegrityError:
        raise AppError("name_taken", NAME_TAKEN.format(name=name), status=409, details={"field": "name"}) from None
    return collection


def collection_update(*, user, collection_id: int, name: str, description: str,
                      group_roles: dict[Group, str | None]) -> Collection:
    """Rename a collection, change its description and the roles its groups hold. 404 for a collection the user
    may not read, 403 for one they read but do not manage."""
    collection = decide.collection_for(user, collection_id, decide.MANAGE)
    collection.name, collection.description = _checked_name(name), (description or "").strip()
    try:
        with transaction.atomic():
            collection.save(update_fields=["name", "description"])
            grants.group_roles_set(collection, group_roles)
            if not decide.may(user, collection.pk, decide.MANAGE):
                raise AppError("would_lose_access", WOULD_LOSE_ACCESS, details={"field": "groups"})
    except IntegrityError:
        raise AppError("name_taken", NAME_TAKEN.format(name=collection.name), status=409, details={"field": "name"}) from None
    return collection


def _checked_name(name: str) -> str:
    name = " ".join((name or "").replace("\x00", " ").split())[:NAME_MAX]  # PostgreSQL stores no NUL
    if not name:
        raise AppError("name_empty", NAME_EMPTY, details={"field": "name"})
    return name
