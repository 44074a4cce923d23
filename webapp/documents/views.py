"""The documents page for staff: upload many files into a collection and watch each one get indexed.

Uploads go to API v1 (`POST /api/v1/documents`) with the session; these views render the page, give
the status of many documents in one request (so polling stays under the API's rate limit), and
retry or delete a document through the documents services.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from webapp.accounts.selectors import collections_readable_by, document_readable_by
from webapp.api.schemas import document_out
from webapp.documents import services
from webapp.documents.models import Document

MAX_LISTED = 200
MAX_POLLED = 100


def staff_required(view):
    @login_required
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not (request.user.is_staff or request.user.is_superuser):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return guarded


@staff_required
@require_GET
def documents_page(request):
    from django.conf import settings

    documents = Document.objects.filter(collection__in=collections_readable_by(request.user)).select_related("collection")
    return render(request, "documents/documents.html", {
        "nav": "documents",
        "collections": collections_readable_by(request.user),
        "max_upload_mb": settings.MAX_UPLOAD_MB,
        "page_data": {
            "documents": [document_out(d) for d in documents[:MAX_LISTED]],
            "maxUploadMb": settings.MAX_UPLOAD_MB,
            "urls": {
                "upload": reverse("api-v1:upload_document"),
                "status": reverse("documents:status"),
                "retry": reverse("documents:retry", args=[0]),
                "delete": reverse("documents:delete", args=[0]),
                "original": reverse("chat:document-original", args=[0]),
            },
            "strings": ui_strings(),
        },
    })


@staff_required
@require_GET
def documents_status(request):
    """`?id=1&id=2…` → `{"documents": [...]}` in the API's document shape; ids the user may not read are left out."""
    ids = [int(i) for i in request.GET.getlist("id")[:MAX_POLLED] if i.isdigit()]
    documents = Document.objects.filter(pk__in=ids, collection__in=collections_readable_by(request.user))
    return JsonResponse({"documents": [document_out(d) for d in documents.select_related("collection")]})


@staff_required
@require_POST
def document_retry(request, document_id: int):
    document = _readable(request.user, document_id)
    services.document_reingest(document=document)
    messages.success(request, _("“%(title)s” is queued to be indexed again.") % {"title": document.title})
    return redirect("documents:list")


@staff_required
@require_POST
def document_delete(request, document_id: int):
    document = _readable(request.user, document_id)
    title = document.title
    services.document_delete(document=document)
    messages.success(request, _("“%(title)s” was deleted.") % {"title": title})
    return redirect("documents:list")


def _readable(user, document_id: int) -> Document:
    document = document_readable_by(user, document_id)
    if document is None:
        raise Http404
    return document


def ui_strings() -> dict[str, str]:
    """Everything the page's script says, translated; `%(name)s` placeholders are filled in by the script."""
    return {
        "uploading": _("uploading"),
        "queued": _("queued"),
        "parsing": _("parsing"),
        "chunking": _("chunking"),
        "embedding": _("embedding"),
        "indexed": _("indexed"),
        "failed": _("failed"),
        "upload_failed": _("Upload failed: %(message)s"),
        "empty_file": _("The file is empty: there is nothing to index."),
        "file_too_large": _("The file is larger than the upload limit of %(max)s MB."),
        "unsupported_media_type": _("Acervo cannot read this kind of file."),
        "forbidden": _("Only staff users may upload documents."),
        "not_found": _("No collection with that name that you may read."),
        "rate_limited": _("Too many requests. Wait a minute; the upload will be retried."),
        "network": _("The server could not be reached."),
        "collection_required": _("Choose a collection, or name a new one, before adding files."),
        "confirm_delete": _("Delete “%(title)s”? Its passages leave the index and answers can no longer cite it."),
        "summary": _("Indexed %(indexed)s of %(total)s files added here; %(failed)s failed."),
        "retry": _("Retry"),
        "delete": _("Delete"),
        "progress": _("Progress of %(title)s"),
    }
