"""The collections page for staff: create, rename, choose who may read, and see what each one holds."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from webapp.documents import collections as service
from webapp.documents.forms import CollectionForm
from webapp.documents.views import staff_required
from webapp.errors import AppError
from webapp.sources.forms import SourceForm
from webapp.sources.services import sources_of


@staff_required
@require_GET
def collections_page(request):
    return _render(request, CollectionForm(initial={"groups": list(request.user.groups.all())}, prefix="new"))


@staff_required
@require_POST
def collection_create(request):
    form = CollectionForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            collection = service.collection_create(user=request.user, **form.cleaned_data)
        except AppError as exc:
            form.add_error(_field(exc), _error_text(exc))
        else:
            messages.success(request, _("Collection “%(name)s” created.") % {"name": collection.name})
            return redirect("documents:collections")
    return _render(request, form, status=400)


@staff_required
@require_POST
def collection_update(request, collection_id: int):
    form = CollectionForm(request.POST, prefix=f"c{collection_id}")
    if form.is_valid():
        try:
            collection = service.collection_update(user=request.user, collection_id=collection_id, **form.cleaned_data)
        except AppError as exc:
            if exc.status == 404:
                raise Http404(exc.message) from None
            form.add_error(_field(exc), _error_text(exc))
        else:
            messages.success(request, _("Collection “%(name)s” saved.") % {"name": collection.name})
            return redirect("documents:collections")
    return _render(request, CollectionForm(prefix="new"), edited=(collection_id, form), status=400)


def _render(request, new_form, edited=None, status=200):
    """The page; `edited` = (collection id, its form with errors) keeps that form open as it was posted."""
    items = []
    rows = service.collection_overview(user=request.user)
    sources = sources_of([row.collection.pk for row in rows])
    for row in rows:
        collection = row.collection
        synced = {"sources": [(view, SourceForm.for_source(view.source, f"s{view.source.pk}"))
                              for view in sources.get(collection.pk, [])],
                  "source_form": SourceForm(prefix=f"s-new-{collection.pk}")}
        if edited and edited[0] == collection.pk:
            items.append({"row": row, "form": edited[1], "open": True, **synced})
            continue
        form = CollectionForm(prefix=f"c{collection.pk}", initial={
            "name": collection.name, "description": collection.description, "groups": list(collection.groups.all()),
        })
        items.append({"row": row, "form": form, "open": False, **synced})
    return render(request, "documents/collections.html", {
        "nav": "documents", "tab": "collections", "items": items, "new_form": new_form,
        "has_groups": new_form.fields["groups"].queryset.exists(),
    }, status=status)


def _field(exc: AppError) -> str | None:
    return (exc.details or {}).get("field")


def _error_text(exc: AppError) -> str:
    return {
        "name_empty": _("Give the collection a name."),
        "name_taken": _("Another collection already has this name."),
        "would_lose_access": _("Keep at least one of your groups, or you would lose access to the collection."),
    }.get(exc.code, exc.message)
