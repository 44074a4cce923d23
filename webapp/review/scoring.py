"""How a regression case scores and how a run sums up: pure functions shared by the worker (which scores) and the
web (which compares). The answer checks are `retrieval.answer_evaluation`'s, the ones `evaluate_answers` uses.

A case passes when a "should refuse" case is refused, or an answerable one is not refused, finds at least one
expected passage (when it names any) and its shown text holds the expected answer (when it names one).
"""

import statistics

from retrieval.answer_evaluation import contains_answer

METRICS = ("passage_recall", "contains_answer", "refusals_right", "refusals_wrong", "support", "ttft_ms",
           "tokens_per_s", "passed")
# Higher is better for all but these: a change the wrong way is a regression.
LOWER_IS_BETTER = {"refusals_wrong", "ttft_ms"}


def _squash(text: str) -> str:
    return " ".join(text.lower().split())


def passage_matches(expected: dict, passage: dict) -> bool:
    """The same chunk, or one text within the other (a chunk of the expected passage, or a chunk holding it)."""
    if expected.get("chunk_id") and expected.get("chunk_id") == passage.get("chunk_id"):
        return True
    want, got = _squash(str(expected.get("text", ""))), _squash(str(passage.get("text", "")))
    return bool(want and got) and (want in got or got in want)


def case_result(case: dict, answer: dict) -> dict:
    """case: {"id", "question", "expected_passages", "expected_answer", "should_refuse"}; answer: {"outcome",
    "text", "quote", "passages": [{"n", "chunk_id", "title", "text", "score", "cited"}], "support", "usage"}."""
    refused = answer.get("outcome") == "refused"
    model_text = answer.get("text", "") if answer.get("outcome") == "answered" else ""
    shown = "" if refused else f"{answer.get('quote', '')}\n{model_text}"
    expected = case.get("expected_passages") or []
    passages = answer.get("passages") or []
    found = [e for e in expected if any(passage_matches(e, p) for p in passages)]
    recall = round(len(found) / len(expected), 3) if expected else None
    golds = [case["expected_answer"]] if case.get("expected_answer") else []
    contains = contains_answer(shown, golds) if golds else None
    if case.get("should_refuse"):
        passed = refused
    else:
        passed = not refused and recall != 0 and contains is not False
    usage = answer.get("usage") or {}
    return {
        "case": case["id"], "question": case["question"], "should_refuse": bool(case.get("should_refuse")),
        "outcome": answer.get("outcome", ""), "refused": refused, "recall": recall, "contains": contains,
        "support": answer.get("support"), "ttft_ms": usage.get("ttft_ms"), "tokens_per_s": usage.get("tokens_per_s"),
        "prompt_tokens": usage.get("prompt_tokens"), "completion_tokens": usage.get("completion_tokens"),
        "answer": answer.get("text", "")[:2000], "passed": passed,
        "passages": [{k: p.get(k) for k in ("n", "chunk_id", "title", "score", "cited")} for p in passages],
    }


def _rate(values: list) -> float | None:
    return round(sum(map(bool, values)) / len(values), 3) if values else None


def _mean(values: list) -> float | None:
    present = [v for v in values if isinstance(v, (int, float))]
    return round(statistics.fmean(present), 3) if present else None


def _median(values: list) -> float | None:
    present = [v for v in values if isinstance(v, (int, float))]
    return round(statistics.median(present), 1) if present else None


def run_summary(results: list[dict]) -> dict:
    answerable = [r for r in results if not r.get("should_refuse")]
    refusing = [r for r in results if r.get("should_refuse")]
    return {
        "cases": len(results),
        "passage_recall": _mean([r.get("recall") for r in answerable]),
        "contains_answer": _rate([r["contains"] for r in answerable if r.get("contains") is not None]),
        "refusals_right": _rate([r.get("refused") for r in refusing]),
        "refusals_wrong": _rate([r.get("refused") for r in answerable]),
        "support": _mean([r.get("support") for r in answerable]),
        "ttft_ms": _median([r.get("ttft_ms") for r in results]),
        "tokens_per_s": _median([r.get("tokens_per_s") for r in results]),
        "passed": _rate([r.get("passed") for r in results]),
    }


def run_changes(previous: list[dict], current: list[dict]) -> dict:
    """{"regressed": [case ids that passed before and fail now], "fixed": [the other way round], "new": [...]}."""
    before = {r.get("case"): bool(r.get("passed")) for r in previous}
    changes: dict[str, list] = {"regressed": [], "fixed": [], "new": []}
    for r in current:
        case = r.get("case")
        if case not in before:
            changes["new"].append(case)
        elif before[case] and not r.get("passed"):
            changes["regressed"].append(case)
        elif not before[case] and r.get("passed"):
            changes["fixed"].append(case)
    return changes


def metric_worse(metric: str, before: float | None, after: float | None) -> bool:
    if before is None or after is None or before == after:
        return False
    return after > before if metric in LOWER_IS_BETTER else after < before
