"""The collections page: staff create collections; each collection's managers rename it and choose which role
each group holds (reader, editor, manager). Who may do what is `webapp.access.decide`'s."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from webapp.access import decide, grants
from webapp.access.models import Role
from webapp.documents import collections as service
from webapp.documents.forms import CollectionForm
from webapp.errors import AppError
from webapp.sources.forms import SourceForm
from webapp.sources.services import sources_of


def _creator_defaults(user) -> dict[int, str]:
    return {group_id: Role.READER for group_id in user.groups.values_list("pk", flat=True)}


@login_required
@require_GET
def collections_page(request):
    decide.collections_area_check(request.user)
    return _render(request, CollectionForm(group_roles=_creator_defaults(request.user), prefix="new"))


@login_required
@require_POST
def collection_create(request):
    decide.collections_area_check(request.user)
    form = CollectionForm(request.POST, prefix="new")
    if form.is_valid():
        try:
            collection = service.collection_create(user=request.user, **form.service_args())
        except AppError as exc:
            if exc.status in (403, 404):
                raise
            form.add_error(_field(exc), _error_text(exc))
        else:
            messages.success(request, _("Collection “%(name)s” created.") % {"name": collection.name})
            return redirect("documents:collections")
    return _render(request, form, status=400)


@login_required
@require_POST
def collection_update(request, collection_id: int):
    decide.collection_for(request.user, collection_id, decide.MANAGE)  # 404 / 403 before reading the form
    form = CollectionForm(request.POST, prefix=f"c{collection_id}")
    if form.is_valid():
        try:
            collection = service.collection_update(user=request.user, collection_id=collection_id, **form.service_args())
        except AppError as exc:
            if exc.status in (403, 404):
                raise
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
        form = CollectionForm(prefix=f"c{collection.pk}", group_roles=grants.group_roles(collection), initial={
            "name": collection.name, "description": collection.description,
        })
        items.append({"row": row, "form": form, "open": False, **synced})
    return render(request, "documents/collections.html", {
        "nav": "documents", "tab": "collections", "items": items, "new_form": new_form,
        "may_create": decide.may_create_collections(request.user), "has_groups": bool(new_form.role_groups),
    }, status=status)


def _field(exc: AppError) -> str | None:
    field = (exc.details or {}).get("field")
    return field if field in ("name", "description") else None


def _error_text(exc: AppError) -> str:
    return {
        "name_empty": _("Give the collection a name."),
        "name_taken": _("Another collection already has this name."),
        "would_lose_access": _("Keep the manager role for one of your groups, or you would no longer manage the "
                               "collection."),
    }.get(exc.code, exc.message)
