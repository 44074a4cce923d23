"""Staff pages (`webapp.access.decide.instance_figures_check`) that explain the product's behaviour: the retrieval test and the dashboard."""

from django.shortcuts import render
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from webapp.access import decide
from webapp.chat.outcomes import REASON_LABELS
from webapp.documents import charts
from webapp.documents.dashboard import PERIODS, dashboard_numbers
from webapp.documents.forms import RetrievalTestForm
from webapp.documents.index_status import index_status
from webapp.documents.models import Document
from webapp.documents.probing import passages_probe
from webapp.documents.views import staff_required
from webapp.errors import AppError


@staff_required
@require_GET
def retrieval_test(request):
    """`?q=…&collections=…&mode=…&k=…`: the ranked passages, as the chat's search finds them."""
    form = RetrievalTestForm(request.GET if "q" in request.GET else None, collections=decide.readable_collections(request.user))
    probe, error = None, ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            probe = passages_probe(user=request.user, query=data["q"], collection_ids=data["collections"], k=data["k"],
                                   mode=data["mode"])
        except AppError as exc:
            error = _search_error(exc)
    return render(request, "documents/retrieval_test.html", {
        "nav": "documents", "tab": "search", "form": form, "probe": probe, "error": error,
    })


def _search_error(exc: AppError) -> str:
    return {
        "worker_unavailable": _("No worker is running, so nothing can be searched right now. Start the worker and try again."),
        "redis_unavailable": _("The message broker (Redis) is not reachable, so nothing can be searched right now."),
        "worker_busy": _("The worker did not answer in time; it may be busy indexing. Try again."),
        "not_found": _("One of the chosen collections no longer exists or you may no longer read it."),
    }.get(exc.code, _("The search failed: %(message)s") % {"message": exc.message})


@staff_required
@require_GET
def dashboard(request):
    days = int(request.GET["days"]) if request.GET.get("days", "").isdigit() and int(request.GET["days"]) in PERIODS else 30
    numbers = dashboard_numbers(user=request.user, days=days)
    thumbs = numbers.thumbs_up + numbers.thumbs_down
    return render(request, "documents/dashboard.html", {
        "nav": "documents", "tab": "dashboard", "numbers": numbers, "days": days, "periods": PERIODS,
        "charts": _charts(numbers), "questions_total": sum(numbers.questions_per_day),
        "documents_total": sum(numbers.documents_by_status.values()), "thumbs_total": thumbs,
        "refused_share": _share(numbers.outcomes["refused"], numbers.answers),
        "unconfirmed_share": _share(numbers.outcomes["unconfirmed"], numbers.answers),
        "thumbs_up_share": round(100 * numbers.thumbs_up / thumbs) if thumbs else None,
        "index_status": index_status(),
    })


def _share(part: int, total: int) -> int | None:
    return round(100 * part / total) if total else None


def _charts(numbers) -> dict:
    labels = [formats.date_format(day, "SHORT_DATE_FORMAT") for day in numbers.days]
    status_names = dict(Document.Status.choices)
    outcomes = numbers.outcomes
    return {
        "questions": charts.column_chart(list(zip(labels, numbers.questions_per_day)), caption=_("Questions per day"),
                                         value_text=lambda v: formats.number_format(v, 0)),
        "ttft": charts.column_chart(
            list(zip(labels, numbers.ttft_median_per_day)), caption=_("Median time to first token, per day"),
            value_text=lambda v: _("%(ms)s ms") % {"ms": formats.number_format(v or 0, 0, force_grouping=True)}, css="ttft",
        ),
        "documents": charts.bar_list(
            [(str(status_names[s]), n, f"status-{s}") for s, n in numbers.documents_by_status.items()],
            caption=_("Documents by status"), value_text=lambda v: formats.number_format(v, 0, force_grouping=True),
        ),
        "coverage": charts.share_bar(
            [(_("answered from the documents"), outcomes["answered"], "part-good"),
             (_("“not in the documents”"), outcomes["refused"], "part-bad"),
             (_("not confirmed by the documents"), outcomes["unconfirmed"], "part-warn"),
             (_("stopped or failed"), outcomes["other"], "part-other")],
            caption=_("Answers"), empty_text=_("No answers in this period."),
        ),
        "reasons": charts.bar_list(
            [(str(REASON_LABELS.get(code, code)), n, "reason") for code, n in numbers.reasons.items()],
            caption=_("Why answers were refused or not confirmed"),
            value_text=lambda v: formats.number_format(v, 0, force_grouping=True),
        ) if numbers.reasons else "",
        "feedback": charts.share_bar(
            [(_("thumbs up"), numbers.thumbs_up, "part-good"), (_("thumbs down"), numbers.thumbs_down, "part-bad")],
            caption=_("Feedback"), empty_text=_("No feedback in this period."),
        ),
    }
