"""Who may read what. Every path to a passage (chat, search, citations, originals, API) asks here."""

from django.db.models import QuerySet

from webapp.documents.models import Collection, Document


def collections_readable_by(user) -> QuerySet[Collection]:
    if not user.is_authenticated or not user.is_active:
        return Collection.objects.none()
    if user.is_superuser:
        return Collection.objects.all()
    return Collection.objects.filter(groups__user=user).distinct()


def collection_ids_readable_by(user) -> list[int]:
    return list(collections_readable_by(user).values_list("id", flat=True))


def document_readable_by(user, document_id: int) -> Document | None:
    """The document if `user` may read its collection, else None (callers answer 404, not 403: no leak)."""
    return Document.objects.filter(pk=document_id, collection__in=collections_readable_by(user)).first()


def documents_readable_by(user) -> QuerySet[Document]:
    return Document.objects.filter(collection__in=collections_readable_by(user))
