"""What the evaluation page and the model profile admin read from `evaluate_answers` runs (EvaluationRun reports).

A report comes from another process and may come from an older or newer version of the command: every reader
here takes what it finds, skips what is malformed, and never raises on a report's shape. Data sets, profiles and
languages are listed by name: PostgreSQL's jsonb does not keep the order a report was written in.
"""

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from webapp.chat.models import EvaluationRun
from webapp.chat.outcomes import percent

# The summary's figures (retrieval.answer_evaluation.summarize), in the order the page lists them; a key not
# named here is listed after them as it is spelled in the report.
METRICS = {
    "questions": _("Answerable questions"),
    "impossible_questions": _("Unanswerable questions"),
    "off_topic_questions": _("Off-topic questions"),
    "same_topic_questions": _("Same-topic questions"),
    "same_topic_answered_elsewhere": _("Same-topic questions other passages answer (left out)"),
    "refusal_rate_impossible": _("Unanswerable questions refused"),
    "off_topic_refused": _("Off-topic questions refused"),
    "same_topic_refused": _("Same-topic questions refused"),
    "same_topic_not_answered": _("Same-topic questions refused or not confirmed"),
    "false_refusal_rate": _("Answerable questions wrongly refused"),
    "unconfirmed_answerable": _("Answerable questions not confirmed"),
    "contains_answer": _("Shown answer contains the gold answer"),
    "quote_contains": _("Quote contains the gold answer"),
    "model_contains": _("Model's text contains the gold answer"),
    "token_f1": _("Token F1"),
    "gold_in_sources": _("Gold passage among the sources"),
    "answers_citing": _("Answers citing a source"),
    "citation_correct": _("Citations pointing at the gold passage"),
    "citations_checked": _("Citations checked"),
    "weak_citation_rate": _("Citations flagged weak"),
    "weak_rate_passage_holds_gold": _("Flagged weak, passage holds the gold answer"),
    "weak_rate_passage_lacks_gold": _("Flagged weak, passage lacks the gold answer"),
    "support_score_mean": _("Mean support score"),
    "stopped_at_max_tokens": _("Stopped at max tokens"),
    "first_visible_ms_median": _("Median time to first visible text (ms)"),
    "ttft_ms_median": _("Median time to first token (ms)"),
    "tokens_per_s_median": _("Median tokens per second"),
}
COUNTS = {"questions", "impossible_questions", "citations_checked", "off_topic_questions", "same_topic_questions",
          "same_topic_answered_elsewhere"}
PLAIN = {"token_f1", "support_score_mean", "ttft_ms_median", "tokens_per_s_median", "first_visible_ms_median"}
SKIPPED = {"profile", "sets", "threshold"}
CURVE_KEYS = ("off_topic_refused", "same_topic_refused", "false_refusal")


def evaluation_run_list(*, limit: int = 50) -> list[EvaluationRun]:
    return list(EvaluationRun.objects.all()[:limit])


def summary_table(report: dict) -> dict:
    """{"columns": [(profile, set name or "")], "rows": [(label, [cell text per column])]}: one column per profile
    (all its questions) followed by one per data set of it, by name."""
    columns, summaries = [], []
    for summary in _list(report.get("profiles")):
        if not isinstance(summary, dict):
            continue
        columns.append((str(summary.get("profile", "")), ""))
        summaries.append(summary)
        for name, part in sorted(_dict(summary.get("sets")).items()):
            if isinstance(part, dict):
                columns.append((str(summary.get("profile", "")), str(name)))
                summaries.append(part)
    found = {key for summary in summaries for key in summary} - SKIPPED
    keys = [key for key in METRICS if key in found] + sorted(found - set(METRICS))
    rows = [(str(METRICS.get(key, key)), [metric_text(key, s.get(key)) for s in summaries]) for key in keys]
    return {"columns": columns, "rows": rows}


def metric_text(key: str, value) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "–" if value is None or isinstance(value, (dict, list)) else str(value)
    if key in COUNTS:
        return number_format(value, 0, force_grouping=True)
    if key in PLAIN or not 0 <= value <= 1:
        return number_format(value, 2 if abs(value) < 10 else 0, force_grouping=True)
    return percent(value)


def curves_of(report: dict) -> list[dict]:
    """[{"profile", "language", "points": [{"threshold", "off_topic_refused", …}] by threshold, "threshold"}]."""
    found = []
    thresholds = _dict(report.get("thresholds"))
    for profile, languages in sorted(_dict(report.get("curves")).items()):
        for language, points in sorted(_dict(languages).items()):
            clean = sorted((p for p in (_point(p) for p in _list(points)) if p), key=lambda p: p["threshold"])
            if clean:
                threshold = thresholds.get(profile)  # one for every language, or one per language
                if isinstance(threshold, dict):
                    threshold = threshold.get(language)
                found.append({"profile": str(profile), "language": str(language), "points": clean,
                              "threshold": threshold if _number(threshold) else None})
    return found


def tradeoff_at(*, profile_name: str, threshold: float | None) -> dict | None:
    """What the latest run that measured `profile_name` found at `threshold` (or, when None, at the threshold that
    run used for each language), per language: {"run": EvaluationRun, "threshold", "languages": [{"language", "off_topic_refused",
    "same_topic_refused", "false_refusal", "at"}]}, the curve's point nearest the threshold. None without a run."""
    for run in EvaluationRun.objects.all()[:20]:
        curves = [c for c in curves_of(run.report) if c["profile"] == profile_name]
        if not curves:
            continue
        languages = []
        for curve in curves:
            wanted = threshold if _number(threshold) else curve["threshold"]
            if wanted is None:
                continue
            point = min(curve["points"], key=lambda p: abs(p["threshold"] - wanted))
            languages.append({"language": curve["language"], "at": point["threshold"],
                              **{key: point.get(key) for key in CURVE_KEYS}})
        if not languages:
            return None
        used = {c["threshold"] for c in curves}
        common = threshold if _number(threshold) else (used.pop() if len(used) == 1 else None)
        return {"run": run, "threshold": common, "languages": languages}
    return None


def _point(point) -> dict | None:
    if not isinstance(point, dict) or not _number(point.get("threshold")):
        return None
    return {"threshold": float(point["threshold"]),
            **{key: float(point[key]) if _number(point.get(key)) else None for key in CURVE_KEYS}}


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}
