"""The documents pages for editors of a collection (and staff): upload many files into a collection and watch each one get indexed;
replace a document with a new version; read a document's extracted text and its chunks.

Uploads go to API v1 (`POST /api/v1/documents`) with the session; these views render the pages, give
the status of many documents in one request (so polling stays under the API's rate limit), and
retry, replace or delete a document through the documents services.
"""

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ingestion.titles import title_from_file_name
from webapp.access import decide
from webapp.access.models import Role
from webapp.api.schemas import document_out
from webapp.documents import failures, services
from webapp.documents.models import Document
from webapp.documents.reading import document_reading
from webapp.documents.warnings import warnings_in_words
from webapp.errors import AppError

MAX_LISTED = 200
MAX_POLLED = 100


def area_required(check):
    """A logged-in view behind one of `webapp.access.decide`'s area checks (403 for others)."""
    def decorator(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            check(request.user)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


documents_area = area_required(decide.documents_area_check)
staff_required = area_required(decide.instance_figures_check)


def document_row(document: Document) -> dict:
    """The API's document shape, with the uploaded file's name when the title is not made from it (the document's
    own title, or one typed at upload)."""
    named_by_file = document.title == title_from_file_name(document.original_name or "")
    return {**document_out(document), "file_name": "" if named_by_file else document.original_name}


@documents_area
@require_GET
def documents_page(request):
    """The documents of the collections the user may edit, and an upload form for those collections."""
    documents = decide.documents_for(request.user, Role.EDITOR).select_related("collection")
    return render(request, "documents/documents.html", {
        "nav": "documents",
        "tab": "documents",
        "collections": decide.collections_for(request.user, Role.EDITOR),
        "may_create": decide.may_create_collections(request.user),
        "max_upload_mb": settings.MAX_UPLOAD_MB,
        "page_data": {
            "documents": [document_row(d) for d in documents[:MAX_LISTED]],
            "maxUploadMb": settings.MAX_UPLOAD_MB,
            "urls": {
                "upload": reverse("api-v1:upload_document"),
                "status": reverse("documents:status"),
                "retry": reverse("documents:retry", args=[0]),
                "delete": reverse("documents:delete", args=[0]),
                "replace": reverse("documents:replace", args=[0]),
                "detail": reverse("documents:detail", args=[0]),
                "original": reverse("chat:document-original", args=[0]),
            },
            "strings": ui_strings(),
        },
    })


@documents_area
@require_GET
def documents_status(request):
    """`?id=1&id=2…` → `{"documents": [...]}` in the API's document shape; ids the user may not read are left out."""
    # An id no database row can have (past 64 bits) is no document, like any other unknown id.
    ids = [int(i) for i in request.GET.getlist("id")[:MAX_POLLED] if i.isdigit() and int(i) < 2**63]
    documents = decide.documents_for(request.user).filter(pk__in=ids)
    return JsonResponse({"documents": [document_row(d) for d in documents.select_related("collection")]})


@documents_area
@require_GET
def document_detail(request, document_id: int):
    """A document's extracted text and its chunks; `?chunk=<ordinal>` highlights that chunk's span."""
    document = decide.document_for(request.user, document_id, decide.READ)
    chunk = request.GET.get("chunk", "")
    reading = document_reading(document=document, selected=int(chunk) if chunk.isdigit() else None)
    return render(request, "documents/detail.html", {
        "nav": "documents", "tab": "documents", "document": document, "reading": reading,
        "warnings": warnings_in_words(document.warnings), "failure": failures.explain(document),
        "max_upload_mb": settings.MAX_UPLOAD_MB, "strings": {"highlighted": _("Chunk %(n)s is highlighted in the text.")},
    })


@documents_area
@require_POST
def document_retry(request, document_id: int):
    document = decide.document_for(request.user, document_id, decide.WRITE)
    services.document_reingest(document=document)
    messages.success(request, _("“%(title)s” is queued to be indexed again.") % {"title": document.title})
    return _back(request, document_id)


@documents_area
@require_POST
def document_delete(request, document_id: int):
    document = decide.document_for(request.user, document_id, decide.DELETE)
    title = document.title
    services.document_delete(user=request.user, document=document)
    messages.success(request, _("“%(title)s” was deleted.") % {"title": title})
    return redirect("documents:list")


@documents_area
@require_POST
def document_replace(request, document_id: int):
    """A new version of the document's file: JSON (the API's document shape) for the page's script,
    else back to the document's page with a message. The current version stays searchable until the
    new one is indexed."""
    document = decide.document_for(request.user, document_id, decide.WRITE)
    wants_json = "application/json" in request.headers.get("Accept", "")
    try:
        file = request.FILES.get("file")
        if file is None:
            raise AppError("invalid_request", _("Choose a file."), details={"field": "file"})
        document = services.document_replace(user=request.user, document=document, file=file)
    except AppError as exc:
        if wants_json:
            return JsonResponse(exc.as_dict(), status=exc.status)
        messages.error(request, _replace_error(exc))
        return redirect("documents:detail", document_id)
    if wants_json:
        return JsonResponse(document_row(document))
    messages.success(request, _("A new version of “%(title)s” is being indexed.") % {"title": document.title})
    return redirect("documents:detail", document_id)


def _replace_error(exc: AppError) -> str:
    return {
        "empty_file": _("The file is empty: there is nothing to index."),
        "file_too_large": _("The file is larger than the upload limit of %(max)s MB.") % {"max": settings.MAX_UPLOAD_MB},
        "unsupported_media_type": _("Acervo cannot read this kind of file."),
        "duplicate": _("Another document of this collection already has this content."),
        "invalid_request": _("Choose a file."),
    }.get(exc.code, exc.message)


def _back(request, document_id: int):
    """Where a form posted from: the document's page or the list."""
    if request.POST.get("next") == "detail":
        return redirect("documents:detail", document_id)
    return redirect("documents:list")


def ui_strings() -> dict[str, str]:
    """Everything the page's script says, translated; `%(name)s` placeholders are filled in by the script."""
    return {
        "uploading": _("uploading"),
        "queued": _("queued"),
        "parsing": _("parsing"),
        "embedding": _("embedding"),
        "indexed": _("indexed"),
        "failed": _("failed"),
        "upload_failed": _("Upload failed: %(message)s"),
        "empty_file": _("The file is empty: there is nothing to index."),
        "file_too_large": _("The file is larger than the upload limit of %(max)s MB."),
        "unsupported_media_type": _("Acervo cannot read this kind of file."),
        "forbidden": _("Only editors of a collection may upload documents."),
        "not_found": _("No collection with that name that you may read."),
        "rate_limited": _("Too many requests. Wait a minute; the upload will be retried."),
        "network": _("The server could not be reached."),
        "collection_required": _("Choose a collection, or name a new one, before adding files."),
        "confirm_delete": _("Delete “%(title)s”? Its passages leave the index and answers can no longer cite it."),
        "summary": _("Indexed %(indexed)s of %(total)s files added here; %(failed)s failed."),
        "retry": _("Retry"),
        "delete": _("Delete"),
        "replace": _("Replace"),
        "duplicate": _("Another document of this collection already has this content."),
        "progress": _("Progress of %(title)s"),
    }
