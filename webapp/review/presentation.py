"""Words for the review pages' codes (reasons, metrics, run errors), in the reader's language, and the comparison
charts (server-side SVG, `webapp.documents.charts`)."""

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from webapp.chat.outcomes import percent
from webapp.documents import charts

REASONS = {
    "thumbs_down": _("thumbs down"),
    "refused": _("refused"),
    "unconfirmed": _("not confirmed"),
    "weak_citation": _("weak citation"),
}
METRICS = {
    "passage_recall": _("Expected passages found"),
    "contains_answer": _("Answers containing the expected answer"),
    "refusals_right": _("Refused when they should"),
    "refusals_wrong": _("Refused when they should not"),
    "support": _("Citation support"),
    "ttft_ms": _("Median time to first token (ms)"),
    "tokens_per_s": _("Median tokens per second"),
    "passed": _("Cases passed"),
}
PLAIN = {"ttft_ms", "tokens_per_s", "support"}
ERRORS = {
    "profile_gone": _("The model profile was deleted before the run started."),
    "run_failed": _("The run failed in the worker: see the worker's log."),
    "worker_stopped": _("The worker stopped during the run: run it again."),
    "nothing_expected": _("Pick an expected passage, write an expected answer or tick “should refuse”."),
    "bad_files": _("Upload a zip with corpus.jsonl and queries.jsonl in the shared evaluation format."),
}


def metric_text(key: str, value) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return "–"
    if key in PLAIN:
        return number_format(value, 2 if key == "support" else 0)
    return percent(value)


def summary_rows(columns: list[dict]) -> list[dict]:
    rows = [{"label": label, "cells": [{"text": metric_text(key, c["summary"].get(key)), "worse": key in c["worse"],
                                        "before": metric_text(key, c["previous"].summary.get(key)) if c["previous"] else ""}
                                       for c in columns]}
            for key, label in METRICS.items()]
    if any(c.get("cost") for c in columns):  # only where a profile has a price (admin › model profile prices)
        rows.append({"label": _("Cost per answer"), "cells": [
            {"text": cost_text(c.get("cost")), "before": cost_text(c.get("previous_cost")) if c["previous"] else "",
             "worse": bool(c.get("cost") and c.get("previous_cost") and c["cost"][1] > c["previous_cost"][1])}
            for c in columns]})
    return rows


def cost_text(cost) -> str:
    return f"{cost[0]} {number_format(cost[1], 6)}" if cost else "–"


def comparison_charts(columns: list[dict]) -> list:
    charted = ("passage_recall", "contains_answer", "refusals_right", "refusals_wrong", "ttft_ms", "tokens_per_s")
    return [charts.column_chart([(c["profile"], c["summary"].get(key)) for c in columns], caption=str(METRICS[key]),
                                value_text=lambda v, key=key: metric_text(key, v))
            for key in charted if any(c["summary"].get(key) is not None for c in columns)]
