"""Who may read what: the names other modules have long imported, kept as thin delegates of the one access
module (`webapp.access.decide`), which is where every rule lives."""

from django.db.models import QuerySet

from webapp.access import decide
from webapp.documents.models import Collection, Document


def collections_readable_by(user) -> QuerySet[Collection]:
    return decide.readable_collections(user)


def collection_ids_readable_by(user) -> list[int]:
    return decide.collection_ids(user)


def document_readable_by(user, document_id: int) -> Document | None:
    """The document if `user` may read its collection, else None (callers answer 404, not 403: no leak)."""
    return decide.document_or_none(user, document_id)


def documents_readable_by(user) -> QuerySet[Document]:
    return decide.documents_for(user)
