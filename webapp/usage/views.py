"""The usage page (staff): a month's questions, tokens, model time and cost per user, group, collection and
profile, a chart per day, and the same figures as CSV. Thin: the figures come from webapp.usage.reports."""

import csv
import io
from datetime import timedelta

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from webapp.audit.signals import export_recorded
from webapp.documents import charts
from webapp.documents.views import staff_required
from webapp.usage.reports import month_bounds, usage_report

CSV_COLUMNS = ("dimension", "name", "questions", "prompt_tokens", "completion_tokens", "model_seconds", "currency", "cost")


@staff_required
@require_GET
def usage_page(request):
    start, end = month_bounds(request.GET.get("month"))
    report = usage_report(start=start, end=end)
    previous = (start - timedelta(days=1)).strftime("%Y-%m")
    chart = charts.column_chart([(day.strftime("%d"), line.tokens or None) for day, line in report.per_day],
                                caption=_("Tokens per day (prompt + completion)"),
                                value_text=lambda v: f"{int(v or 0):,}".replace(",", " "))
    tables = [(_("Per user"), "users", report.by_user), (_("Per group"), "groups", report.by_group),
              (_("Per collection"), "collections", report.by_collection), (_("Per model profile"), "profiles", report.by_profile)]
    return render(request, "usage/usage.html", {
        "nav": "documents", "tab": "usage", "report": report, "chart": chart, "tables": tables,
        "month": start.strftime("%Y-%m"), "previous": previous, "next": end.strftime("%Y-%m"),
    })


@staff_required
@require_GET
def usage_csv(request):
    start, end = month_bounds(request.GET.get("month"))
    report = usage_report(start=start, end=end)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    dimensions = [("total", [report.total]), ("user", report.by_user), ("group", report.by_group),
                  ("collection", report.by_collection), ("profile", report.by_profile),
                  ("day", [line for _, line in report.per_day])]
    for dimension, lines in dimensions:
        for line in lines:
            for currency, cost in (sorted(line.cost.items()) or [("", "")]):
                writer.writerow([dimension, line.name, line.questions, line.prompt_tokens, line.completion_tokens,
                                 round(line.model_seconds, 3), currency, f"{cost:.6f}" if cost != "" else ""])
    export_recorded(what="usage.csv", actor=request.user, count=report.total.questions, month=start.strftime("%Y-%m"))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{start:%Y-%m}.csv"'
    return response
