"""Scoring answers against a QA dataset in the shared/eval format: pure functions, no Django, no model.

- `token_f1` and `contains_answer`: SQuAD-style, on text lower-cased, accent-folded, without punctuation,
  articles or citation markers; the best over the gold answers.
- `is_refusal`: the answer says the documents do not contain the answer (the phrases our prompts ask for,
  and the usual variants a model writes).
- `summarize`: one row per profile from the per-question results.
"""

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from retrieval.citations import MARKER
from retrieval.evaluation import CorpusDoc, jsonl_rows, read_corpus
from retrieval.lexical import fold

_ARTICLES = frozenset("a an the o os as um uma uns umas".split())
_PUNCTUATION = re.compile(r"[^\w\s]")
REFUSALS = re.compile(
    "|".join(
        (
            r"n[aã]o (?:cont[eê]m|cobrem|mencionam|informam|trazem|falam|apresentam|especificam)",
            r"n[aã]o (?:h[aá]|encontr\w*|consta\w*|possu\w*)\b.{0,40}\binforma",
            r"sem informa[cç][aã]o",
            r"(?:do|does|did) not (?:contain|cover|mention|include|provide|specify|say)",
            r"(?:no|not enough) information",
            r"(?:cannot|can't|could not) (?:find|answer)",
            r"not (?:found|mentioned|covered|stated) in the",
        )
    ),
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Question:
    qid: str
    question: str
    answers: tuple[str, ...]
    gold_doc_ids: frozenset[str]
    impossible: bool = False
    language: str = ""


def read_dataset(folder: Path) -> tuple[list[CorpusDoc], list[Question]]:
    """The corpus and the questions (with their gold answers) of a data set folder (see `retrieval.evaluation`).
    Raises ValueError naming file and line."""
    corpus = read_corpus(folder)
    questions = [
        Question(
            qid=str(row.get("qid", n)), question=str(row["question"]), answers=tuple(map(str, row.get("answers") or ())),
            gold_doc_ids=frozenset(map(str, row.get("gold_doc_ids") or ())),
            impossible=bool(row.get("is_impossible")) or not row.get("answers"),
            language=str(row.get("lang") or ""),
        )
        for n, row in enumerate(jsonl_rows(Path(folder) / "queries.jsonl", required=("question",)), start=1)
    ]
    return corpus, questions


def impossible_copy(question: Question) -> Question:
    """The same question asked where its answer is not: nothing may be cited as gold."""
    return Question(question.qid, question.question, question.answers, frozenset(), impossible=True,
                    language=question.language)


@dataclass
class Result:
    """One asked question: what came back and how it scored."""

    qid: str
    dataset: str
    impossible: bool
    answer: str
    refused: bool
    kind: str = "answerable"  # answerable | off_topic (another set's corpus) | same_topic (gold document hidden)
    language: str = ""
    outcome: str = ""
    answerability: float | None = None
    evidence: dict | None = None
    quote_contains: bool = False  # the quote alone holds a gold answer
    model_contains: bool = False  # the model's own text holds a gold answer
    first_visible_ms: float | None = None
    # a gold answer is in the passages found: a same-topic question its other documents answer after all
    answer_in_sources: bool = False
    f1: float = 0.0
    contains: bool = False
    gold_in_sources: bool = False
    cited: int = 0
    cited_gold: bool = False
    # per (cited sentence, passage) pair of the support check: (the passage holds a gold answer, flagged weak)
    checks: tuple[tuple[bool, bool], ...] = ()
    support: float | None = None
    ttft_ms: float | None = None
    tokens_per_s: float | None = None
    finish_reason: str = ""


def normalize(text: str) -> list[str]:
    text = fold(MARKER.sub(" ", text).lower())
    return [w for w in _PUNCTUATION.sub(" ", text).split() if w not in _ARTICLES]


def token_f1(answer: str, golds: Iterable[str]) -> float:
    predicted = normalize(answer)
    best = 0.0
    for gold in golds:
        expected = normalize(gold)
        common = sum((Counter(predicted) & Counter(expected)).values())
        if common:
            precision, recall = common / len(predicted), common / len(expected)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def contains_answer(text: str, golds: Iterable[str]) -> bool:
    """Whether `text` holds one gold answer whole (word boundaries, normalized)."""
    haystack = f" {' '.join(normalize(text))} "
    return any(needle.strip() and f" {needle} " in haystack for needle in (" ".join(normalize(g)) for g in golds))


def answer_found(text: str, golds: Iterable[str], *, recall: float = 0.8) -> bool:
    """Whether `text` holds a gold answer: whole, or for an answer of 3 words or more, `recall` of its words.

    Used to tell a same-topic question its other documents answer after all (in other words than the gold
    passage's) from one they do not: only the second kind should be refused.
    """
    if contains_answer(text, golds):
        return True
    words = set(normalize(text))
    for gold in golds:
        expected = set(normalize(gold))
        if len(expected) >= 3 and len(expected & words) / len(expected) >= recall:
            return True
    return False


def is_refusal(answer: str) -> bool:
    return bool(REFUSALS.search(answer))


def _rate(values: list[bool]) -> float | None:
    return round(sum(values) / len(values), 3) if values else None


def _median(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 1) if present else None


def summarize(profile: str, results: list[Result]) -> dict:
    """Rates over the answerable questions, refusals over the impossible ones, timings over all."""
    answerable = [r for r in results if not r.impossible]
    impossible = [r for r in results if r.impossible]
    off_topic = [r for r in impossible if r.kind == "off_topic"]
    same_topic = [r for r in impossible if r.kind == "same_topic" and not r.answer_in_sources]
    citing = [r for r in answerable if r.cited]
    checks = [check for r in results for check in r.checks]
    shown = [r for r in results if r.outcome != "refused"]
    return {
        "profile": profile,
        "questions": len(answerable),
        "impossible_questions": len(impossible),
        "off_topic_questions": len(off_topic),
        "same_topic_questions": len(same_topic),
        "same_topic_answered_elsewhere": sum(r.kind == "same_topic" and r.answer_in_sources for r in impossible),
        "off_topic_refused": _rate([r.refused for r in off_topic]),
        "same_topic_refused": _rate([r.refused for r in same_topic]),
        "same_topic_not_answered": _rate([r.outcome in ("refused", "unconfirmed") for r in same_topic]),
        "unconfirmed_answerable": _rate([r.outcome == "unconfirmed" for r in answerable]),
        "quote_contains": _rate([r.quote_contains for r in answerable]),
        "model_contains": _rate([r.model_contains for r in answerable]),
        "first_visible_ms_median": _median([r.first_visible_ms for r in shown]),
        "contains_answer": _rate([r.contains for r in answerable]),
        "token_f1": round(statistics.fmean(r.f1 for r in answerable), 3) if answerable else None,
        "gold_in_sources": _rate([r.gold_in_sources for r in answerable]),
        "answers_citing": _rate([bool(r.cited) for r in answerable if not r.refused]),
        "citation_correct": _rate([r.cited_gold for r in citing]),
        "refusal_rate_impossible": _rate([r.refused for r in impossible]),
        "false_refusal_rate": _rate([r.refused for r in answerable]),
        "citations_checked": len(checks),
        "weak_citation_rate": _rate([weak for _, weak in checks]),
        "weak_rate_passage_holds_gold": _rate([weak for gold, weak in checks if gold]),
        "weak_rate_passage_lacks_gold": _rate([weak for gold, weak in checks if not gold]),
        "support_score_mean": _mean([r.support for r in answerable]),
        "stopped_at_max_tokens": _rate([r.finish_reason == "length" for r in results]),
        "ttft_ms_median": _median([r.ttft_ms for r in results]),
        "tokens_per_s_median": _median([r.tokens_per_s for r in results]),
    }


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.fmean(present), 3) if present else None


COLUMNS = [
    ("profile", "profile"), ("questions", "n"), ("contains_answer", "contains"), ("quote_contains", "quote"),
    ("model_contains", "model"), ("token_f1", "F1"),
    ("gold_in_sources", "gold@src"), ("answers_citing", "citing"), ("citation_correct", "cite ok"),
    ("false_refusal_rate", "false ref"), ("unconfirmed_answerable", "unconf"),
    ("off_topic_questions", "n off"), ("off_topic_refused", "off ref"),
    ("same_topic_questions", "n same"), ("same_topic_refused", "same ref"), ("same_topic_not_answered", "same !ans"),
    ("weak_citation_rate", "weak"), ("weak_rate_passage_holds_gold", "weak|gold"),
    ("weak_rate_passage_lacks_gold", "weak|other"),
    ("stopped_at_max_tokens", "max tok"), ("first_visible_ms_median", "visible ms"), ("ttft_ms_median", "TTFT ms"),
    ("tokens_per_s_median", "tok/s"),
]


def format_table(rows: list[dict]) -> str:
    """Plain fixed-width table, one row per profile."""
    cells = [[label for _, label in COLUMNS]] + [["-" if r[k] is None else str(r[k]) for k, _ in COLUMNS] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells)
