"""Review pages: the queue, one answer under review (→ regression case), a collection's evaluation set with its
runs and the comparison of profiles, and the knowledge gaps. Thin: parse, call a service or selector, render."""

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from webapp.accounts.selectors import collections_readable_by
from webapp.chat.models import ModelProfile
from webapp.chat.search import passages_search
from webapp.documents.models import Chunk
from webapp.errors import AppError
from webapp.review import cases, gaps, presentation, queue, runs
from webapp.review.access import review_required
from webapp.review.models import ProfileSwitch, PromptRecord, RegressionCase, SetRun


def _collection(request, collection_id: int):
    return get_object_or_404(collections_readable_by(request.user), pk=collection_id)


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@review_required
@require_GET
def queue_page(request):
    collection = request.GET.get("collection", "")
    wanted = queue.QueueFilter(
        collection=int(collection) if collection.isdigit() else None,
        reason=request.GET.get("reason", "") if request.GET.get("reason") in queue.REASONS else "",
        since=_day(request.GET.get("since", "")), until=_day(request.GET.get("until", "")),
        reviewed=request.GET.get("reviewed") == "1",
    )
    items = queue.review_queue(user=request.user, wanted=wanted)
    return render(request, "review/queue.html", {
        "tab": "review", "items": items, "wanted": wanted, "reason_labels": presentation.REASONS,
        "collections": collections_readable_by(request.user),
    })


@review_required
@require_GET
def answer_page(request, message_id: int):
    item = queue.review_item(user=request.user, message_id=message_id)
    if item is None:
        raise Http404
    message = item.message
    readable = collections_readable_by(request.user).filter(pk__in=message.collections or [])
    find = request.GET.get("find", "").strip()
    found, search_error = [], ""
    if find:
        try:
            hits = passages_search(user=request.user, query=find)
            # Only passages of the collections this answer searched (and the reviewer reads) can be expected of it.
            allowed = set(Chunk.objects.filter(pk__in=[p.get("chunk_id") for p in hits], document__collection__in=readable)
                          .values_list("pk", flat=True))
            found = [p for p in hits if p.get("chunk_id") in allowed]
        except AppError as exc:
            search_error = exc.message
    return render(request, "review/answer.html", {
        "find": find, "found": found, "search_error": search_error,
        "params_text": ", ".join(f"{key}={value}" for key, value in sorted((message.params or {}).items())),
        "tab": "review", "item": item, "message": message, "question": queue.question_of(message),
        "citations": list(message.citations.all()), "prompt": PromptRecord.objects.filter(message=message).first(),
        "feedback": list(message.feedback.all()), "reason_labels": presentation.REASONS, "collections": readable,
    })


@review_required
@require_POST
def case_create(request, message_id: int):
    item = queue.review_item(user=request.user, message_id=message_id)
    if item is None:
        raise Http404
    collection = _collection(request, int(request.POST.get("collection") or 0))
    try:
        cases.regression_case_create(
            user=request.user, message=item.message, collection=collection,
            passage_ns=[int(n) for n in request.POST.getlist("passage") if n.isdigit()],
            expected_answer=request.POST.get("expected_answer", ""),
            should_refuse=request.POST.get("should_refuse") == "on",
            chunk_ids=[int(n) for n in request.POST.getlist("chunk") if n.isdigit()],
        )
    except AppError as exc:
        messages.error(request, presentation.ERRORS.get(exc.message, exc.message))
        return redirect("review:answer", message_id=message_id)
    messages.success(request, _("Regression case added to the evaluation set of %(collection)s.") % {
        "collection": collection.name})
    return redirect("review:set", collection_id=collection.pk)


@review_required
@require_POST
def mark_reviewed(request, message_id: int):
    item = queue.review_item(user=request.user, message_id=message_id)
    if item is None:
        raise Http404
    queue.review_mark(user=request.user, message=item.message)
    return redirect("review:queue")


@review_required
@require_GET
def sets_page(request):
    readable = collections_readable_by(request.user).select_related("evaluation_set")
    return render(request, "review/sets.html", {"tab": "sets", "collections": readable})


@review_required
@require_GET
def set_page(request, collection_id: int):
    collection = _collection(request, collection_id)
    evaluation_set = cases.evaluation_set_of(collection)
    columns = runs.comparison(evaluation_set)
    recent = list(evaluation_set.runs.all()[:20])
    return render(request, "review/set.html", {
        "tab": "sets", "collection": collection, "set": evaluation_set, "cases": list(evaluation_set.cases.all()),
        "columns": columns, "summary_rows": presentation.summary_rows(columns),
        "charts": presentation.comparison_charts(columns) if columns else [],
        "case_rows": runs.case_rows(evaluation_set, columns), "runs": recent,
        "running": any(r.status in (SetRun.Status.QUEUED, SetRun.Status.RUNNING) for r in recent),
        "profiles": ModelProfile.objects.order_by("-is_default", "name"), "errors": presentation.ERRORS,
        "switches": ProfileSwitch.objects.select_related("switched_by", "run")[:10],
    })


@review_required
@require_POST
def case_delete(request, case_id: int):
    case = get_object_or_404(RegressionCase, pk=case_id,
                             evaluation_set__collection__in=collections_readable_by(request.user))
    collection_id = case.evaluation_set.collection_id
    case.delete()
    return redirect("review:set", collection_id=collection_id)


@review_required
@require_POST
def set_run(request, collection_id: int):
    collection = _collection(request, collection_id)
    chosen = ModelProfile.objects.filter(pk__in=[p for p in request.POST.getlist("profile") if p.isdigit()])
    started = runs.set_run_request(evaluation_set=cases.evaluation_set_of(collection), profiles=list(chosen),
                                   user=request.user)
    if started:
        messages.success(request, _("Run queued: the page follows its progress."))
    else:
        messages.error(request, _("Choose at least one profile, and add a case first."))
    return redirect("review:set", collection_id=collection.pk)


@review_required
@require_GET
def set_export(request, collection_id: int):
    collection = _collection(request, collection_id)
    response = HttpResponse(cases.evaluation_set_export(cases.evaluation_set_of(collection)),
                            content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evaluation-set-{collection.pk}.zip"'
    return response


@review_required
@require_POST
def set_import(request, collection_id: int):
    collection = _collection(request, collection_id)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise AppError("invalid_request", cases.ERR_BAD_FILES)
        corpus, queries = cases.files_from_upload(upload)
        count = cases.evaluation_set_import(user=request.user, evaluation_set=cases.evaluation_set_of(collection),
                                            corpus=corpus, queries=queries)
    except AppError as exc:
        problem = (exc.details or {}).get("problem", "")
        messages.error(request, f"{presentation.ERRORS.get(exc.message, exc.message)} {problem}".strip())
    else:
        messages.success(request, _("%(count)s cases imported.") % {"count": count})
    return redirect("review:set", collection_id=collection.pk)


@review_required
@require_POST
def profile_switch(request, run_id: int):
    run = get_object_or_404(SetRun, pk=run_id, status=SetRun.Status.DONE, profile__isnull=False,
                            evaluation_set__collection__in=collections_readable_by(request.user))
    runs.default_profile_switch(user=request.user, run=run)
    messages.success(request, _("%(profile)s is now the default profile.") % {"profile": run.profile_name})
    return redirect("review:set", collection_id=run.evaluation_set.collection_id)


@review_required
@require_GET
def gaps_page(request):
    collection = request.GET.get("collection", "")
    found = gaps.knowledge_gaps(user=request.user, collection=int(collection) if collection.isdigit() else None)
    if request.GET.get("format") == "csv":
        response = HttpResponse(gaps.gaps_csv(found), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="knowledge-gaps.csv"'
        return response
    return render(request, "review/gaps.html", {"tab": "gaps", "gaps": found, "collection": collection,
                                                "collections": collections_readable_by(request.user)})
