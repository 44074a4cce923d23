"""The one place that decides who may see and do what. Every view, API route, download, event stream, search
scope, admin page and management command asks here; nothing else looks at grants, `is_staff` or `is_superuser`.

The rules (README "Security" → "Access and sessions"):

- **Collections and what is in them** (documents, original files, extracted text and chunks, passages found by
  search, a citation's context) follow the user's role on the collection (`webapp.access.models`): `read`/`ask`
  need reader, `write` (upload, replace, re-ingest) and `delete` need editor, `manage` needs manager.
  Superusers hold every role everywhere.
- **Conversations, messages and their event streams, feedback and API tokens** belong to one user: only they
  reach them here (a superuser reaches others' in the Django admin, not in the product's pages or API).
- **Staff** (`is_staff`) opens the Django admin (where the model permissions Django gives them apply, and the
  collection-bound lists are narrowed to what they may read), the dashboard, the retrieval test and the
  evaluation page, may create collections (becoming their manager) and manage the sources (server folders,
  websites) of the collections they manage. Staff alone grants no document.
- **404, not 403, for what a user may not see**: an object outside the user's reach answers exactly as one
  that does not exist (`Hidden`), so guessing ids tells nothing. 403 (`Refused`) only when the user may see the
  object but not do the verb on it (a reader deleting a document), or for a whole area they may not enter.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from webapp import errors
from webapp.access.models import RANK, Grant, Role, roles_at_least
from webapp.documents.models import Collection, Document
from webapp.errors import AppError

READ, ASK, WRITE, DELETE, MANAGE = "read", "ask", "write", "delete", "manage"
VERB_ROLE = {READ: Role.READER, ASK: Role.READER, WRITE: Role.EDITOR, DELETE: Role.EDITOR, MANAGE: Role.MANAGER}

COLLECTION_NOT_FOUND = "Collection not found."
DOCUMENT_NOT_FOUND = "Document not found."
NOT_ALLOWED = "Your role on this collection does not allow this ({verb}): ask one of its managers."
NOT_ALLOWED_TO_UPLOAD = errors.NOT_ALLOWED_TO_UPLOAD
NOT_ALLOWED_AREA = "This page is not for your account."
NOT_ALLOWED_SOURCES = "Only staff users who manage a collection may manage its sources."


class Hidden(AppError, Http404):
    """404: the object does not exist for this user. A page shows Django's 404, the API its JSON error."""

    def __init__(self, message: str = "Not found."):
        AppError.__init__(self, "not_found", message, status=404)


class Refused(AppError, PermissionDenied):
    """403: the user sees the object (or the area) but may not do this."""

    def __init__(self, message: str):
        AppError.__init__(self, "forbidden", message, status=403)


def active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def superuser(user) -> bool:
    return active(user) and user.is_superuser


def staff(user) -> bool:
    """Staff or superuser: the admin, the dashboard, the retrieval test, the evaluation page, new collections."""
    return active(user) and (user.is_staff or user.is_superuser)


# --- collections ---------------------------------------------------------------------------------------------

def _grants(user, role: str) -> QuerySet[Grant]:
    return Grant.objects.filter(Q(user=user) | Q(group__in=user.groups.all()), role__in=roles_at_least(role))


def collections_for(user, role: str = Role.READER) -> QuerySet[Collection]:
    """The collections on which `user` holds at least `role` (superusers: all; inactive or anonymous: none)."""
    if not active(user):
        return Collection.objects.none()
    if user.is_superuser:
        return Collection.objects.all()
    return Collection.objects.filter(pk__in=_grants(user, role).values("collection_id"))


def readable_collections(user) -> QuerySet[Collection]:
    return collections_for(user, Role.READER)


def collection_ids(user, role: str = Role.READER) -> list[int]:
    return list(collections_for(user, role).values_list("id", flat=True))


def role_on(user, collection_id: int) -> str | None:
    """The highest role `user` holds on the collection, or None."""
    if not active(user):
        return None
    if user.is_superuser:
        return Role.MANAGER
    held = _grants(user, Role.READER).filter(collection_id=collection_id).values_list("role", flat=True)
    return max(held, key=lambda r: RANK[r], default=None)


def may(user, collection_id: int, verb: str) -> bool:
    role = role_on(user, collection_id)
    return role is not None and RANK[role] >= RANK[VERB_ROLE[verb]]


def check(user, collection_id: int, verb: str, message: str = COLLECTION_NOT_FOUND) -> None:
    """Raise Hidden (404) when the user may not read the collection, Refused (403) when they may read it but
    their role does not allow `verb`."""
    role = role_on(user, collection_id)
    if role is None:
        raise Hidden(message)
    if RANK[role] < RANK[VERB_ROLE[verb]]:
        raise Refused(NOT_ALLOWED.format(verb=verb))


def collection_for(user, collection_id: int, verb: str = READ) -> Collection:
    collection = Collection.objects.filter(pk=collection_id).first()
    if collection is None:
        raise Hidden(COLLECTION_NOT_FOUND)
    check(user, collection.pk, verb)
    return collection


def collection_named(user, name_or_id, verb: str = READ) -> Collection | None:
    """The collection the user names (an id, or a name), or None when it does not exist or they may not read
    it (the caller's 404 is the same for both). Raises Refused when they read it but may not do `verb`."""
    text = str(name_or_id).strip()
    if "\x00" in text:  # no name holds one (PostgreSQL cannot even compare it): nothing is found
        return None
    readable = collections_for(user)
    found = readable.filter(pk=int(text)).first() if text.isdigit() else readable.filter(name=text).first()
    if found is not None:
        check(user, found.pk, verb)
    return found


# --- documents, their originals, extracted text and chunks ----------------------------------------------------

def documents_for(user, role: str = Role.READER) -> QuerySet[Document]:
    return Document.objects.filter(collection__in=collections_for(user, role))


def document_for(user, document_id: int, verb: str = READ) -> Document:
    """The document (its extracted text and chunks included) if the user may do `verb` on it; Hidden (404) when
    they may not read it, Refused (403) when they read it but their role does not allow `verb`."""
    document = Document.objects.filter(pk=document_id).select_related("collection").first()
    if document is None:
        raise Hidden(DOCUMENT_NOT_FOUND)
    check(user, document.collection_id, verb, DOCUMENT_NOT_FOUND)
    return document


def document_or_none(user, document_id: int, verb: str = READ) -> Document | None:
    try:
        return document_for(user, document_id, verb)
    except AppError:
        return None


def original_for(user, document_id: int) -> Document:
    """The document whose stored original the user may download (a reader may); Hidden when there is no file."""
    document = document_for(user, document_id, READ)
    if not document.file:
        raise Hidden(DOCUMENT_NOT_FOUND)
    return document


def citation_context_visible(user, document_id: int | None) -> bool:
    """A citation's text was shown with its answer; its surrounding text and original only to today's readers."""
    return document_id is not None and document_or_none(user, document_id) is not None


# --- areas: uploading, the documents pages, the collections page, instance figures ---------------------------

def may_upload(user) -> bool:
    """Someone who may add documents somewhere: an editor of a collection, or staff (who may create one)."""
    return staff(user) or (active(user) and _grants(user, Role.EDITOR).exists())


def upload_check(user) -> None:
    """403 before anything is read, looked up or created for an upload, so a refused upload leaves nothing behind
    and its answer is the same whatever collection it names."""
    if not may_upload(user):
        raise Refused(NOT_ALLOWED_TO_UPLOAD)


def may_create_collections(user) -> bool:
    return staff(user)


def may_manage_somewhere(user) -> bool:
    return staff(user) or (active(user) and _grants(user, Role.MANAGER).exists())


def documents_area_check(user) -> None:
    """The documents and collections pages are for whoever may upload somewhere (editors, managers, staff)."""
    if not may_upload(user):
        raise Refused(NOT_ALLOWED_AREA)


def collections_area_check(user) -> None:
    """The collections page is for managers of a collection and for staff (who may create collections)."""
    if not may_manage_somewhere(user):
        raise Refused(NOT_ALLOWED_AREA)


def collection_sources_for(user, collection_id: int) -> Collection:
    """The collection whose sources (a watched folder of the server, a website) the user may manage: staff who
    manage it (superusers: any). Reading the server's folders is the instance's business, so a manager who is
    not staff may not: 403 for them before any look-up; then 404 / 403 as `collection_for`."""
    if not staff(user):
        raise Refused(NOT_ALLOWED_SOURCES)
    return collection_for(user, collection_id, MANAGE)


def instance_figures_check(user) -> None:
    """The dashboard, the retrieval test and the evaluation data are staff's."""
    if not staff(user):
        raise Refused(NOT_ALLOWED_AREA)
