"""Source actions of the collections page (staff): add, change, remove, sync now. Each answers with a redirect to
the collection's card, where the sources and their sync log are shown (`webapp.documents.collection_views`)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from webapp.documents.views import staff_required
from webapp.errors import AppError
from webapp.sources import services
from webapp.sources.forms import SourceForm
from webapp.sources.wording import describe


@staff_required
@require_POST
def source_create(request, collection_id: int):
    collection = _or_404(services.collection_for_sources, user=request.user, collection_id=collection_id)
    _save(request, SourceForm(request.POST, prefix=f"s-new-{collection.pk}"), collection)
    return _back(collection.pk)


@staff_required
@require_POST
def source_update(request, source_id: int):
    source = _or_404(services.source_for, user=request.user, source_id=source_id)
    _save(request, SourceForm(request.POST, prefix=f"s{source.pk}"), source.collection, source)
    return _back(source.collection_id)


@staff_required
@require_POST
def source_sync(request, source_id: int):
    source = _or_404(services.source_for, user=request.user, source_id=source_id)
    try:
        queued = services.source_sync_now(source=source)
    except AppError as exc:
        messages.error(request, describe(exc.code, {}))
    else:
        messages.success(request, _("Sync queued: the log below shows it when it ends.") if queued
                         else _("A sync of this source is running already."))
    return _back(source.collection_id)


@staff_required
@require_POST
def source_delete(request, source_id: int):
    source = _or_404(services.source_for, user=request.user, source_id=source_id)
    services.source_delete(source=source)
    messages.success(request, _("Source removed. The documents it brought stay in the collection."))
    return _back(source.collection_id)


def _save(request, form: SourceForm, collection, source=None) -> None:
    if not form.is_valid():
        problems = "; ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items())
        messages.error(request, _("The source was not saved: %(problems)s") % {"problems": problems})
        return
    try:
        services.source_save(user=request.user, collection=collection, source=source, **form.cleaned_data)
    except services.SourceRefused as exc:
        messages.error(request, _("The source was not saved: %(problems)s") % {"problems": describe(exc.code, exc.params)})
    except AppError as exc:
        messages.error(request, describe(exc.code, exc.details))
    else:
        messages.success(request, _("Source saved; its first sync is queued."))


def _or_404(getter, **kwargs):
    try:
        return getter(**kwargs)
    except AppError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from None
        raise


def _back(collection_id: int):
    return redirect(reverse("documents:collections") + f"#collection-{collection_id}")
