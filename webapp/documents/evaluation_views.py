"""The evaluation page for staff: what `manage.py evaluate_answers` measured, run by run, and the refusal
trade-off across answerability thresholds that an admin chooses from."""

from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from webapp.chat.evaluation import curves_of, evaluation_run_list, summary_table
from webapp.chat.outcomes import percent
from webapp.documents import charts
from webapp.documents.views import staff_required


@staff_required
@require_GET
def evaluation_page(request):
    """`?run=<id>`: that run's figures; the latest run without it."""
    runs = evaluation_run_list()
    wanted = request.GET.get("run", "")
    chosen = next((r for r in runs if str(r.pk) == wanted), runs[0] if runs else None)
    return render(request, "documents/evaluation.html", {
        "nav": "documents", "tab": "evaluation", "runs": runs, "chosen": chosen,
        "table": summary_table(chosen.report) if chosen else None,
        "curves": [{**curve, "chart": curve_chart(curve)} for curve in curves_of(chosen.report)] if chosen else [],
    })


def curve_chart(curve: dict):
    """Refused off-topic and same-topic questions against wrongly refused answerable ones, over the threshold."""
    points = curve["points"]
    series = [
        (_("off-topic refused"), "series-good", [(p["threshold"], p["off_topic_refused"]) for p in points]),
        (_("same-topic refused"), "series-mid", [(p["threshold"], p["same_topic_refused"]) for p in points]),
        (_("answerable wrongly refused"), "series-bad", [(p["threshold"], p["false_refusal"]) for p in points]),
    ]
    threshold = curve["threshold"]
    marker = None
    if threshold is not None:
        marker = (threshold, _("threshold in use: %(value)s") % {"value": number_format(threshold, 2)})
    return charts.line_chart(
        series, caption=_("%(profile)s, %(language)s: refusals by answerability threshold") % {
            "profile": curve["profile"], "language": curve["language"]},
        x_label=_("threshold"), value_text=percent, x_text=lambda x: number_format(x, 2), marker=marker,
    )
