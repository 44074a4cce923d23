"""Retrieval quality metrics and the evaluation-set format. Pure: no database, no index, no model.

A data set is a folder with `corpus.jsonl` (`{"doc_id", "title", "text", ...}`, one document per row) and
`queries.jsonl` (`{"qid", "question", "gold_doc_ids": [...], "is_impossible"?: bool, ...}`).

Every metric scores the passages as the product ranks them (`ranked` = the corpus doc_id of each passage,
best first, repeats possible when a document has several chunks); a document counts once, where it first
appears. Queries with `is_impossible` (no gold passage) are never averaged into recall, MRR or nDCG: they are
counted apart, with how many still got passages past the relevance floor.

Corpus rows with the same text are one passage (`same_text_ids`): search shows a text once, whichever document
holds it, and FaQuAD has 7 passages that appear twice under two ids.
"""

import dataclasses
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

KS = (1, 5, 10)
ERR_MISSING = "{path} is missing: a data set folder holds corpus.jsonl and queries.jsonl"
ERR_ROW = "{path} line {line}: {problem}"


@dataclass(frozen=True)
class CorpusDoc:
    doc_id: str
    title: str
    text: str


@dataclass(frozen=True)
class EvalQuery:
    qid: str
    question: str
    gold: frozenset[str]
    impossible: bool


@dataclass(frozen=True)
class QueryResult:
    """What one query returned: corpus doc_ids of its passages, best first, and how long the search took."""

    query: EvalQuery
    ranked: tuple[str, ...]
    latency_ms: float


def read_corpus(folder: Path) -> list[CorpusDoc]:
    """Raises ValueError (with file and line) on a missing file or a row without doc_id or text."""
    return [
        CorpusDoc(doc_id=str(row["doc_id"]), title=str(row.get("title") or ""), text=str(row["text"]))
        for row in jsonl_rows(Path(folder) / "corpus.jsonl", required=("doc_id", "text"))
    ]


def read_queries(folder: Path) -> list[EvalQuery]:
    """Raises ValueError on a missing file, or a row without question, or without gold and not impossible."""
    queries = []
    for n, row in enumerate(jsonl_rows(Path(folder) / "queries.jsonl", required=("question",)), start=1):
        gold = frozenset(str(g) for g in row.get("gold_doc_ids") or ())
        impossible = bool(row.get("is_impossible")) or not gold
        qid = str(row.get("qid", n))
        queries.append(EvalQuery(qid=qid, question=str(row["question"]), gold=gold, impossible=impossible))
    return queries


def jsonl_rows(path: Path, *, required: Sequence[str]) -> Iterable[dict]:
    """The rows of a data set file; ValueError naming file and line for a row that is not JSON or lacks `required`."""
    if not path.is_file():
        raise ValueError(ERR_MISSING.format(path=path))
    with path.open(encoding="utf-8") as lines:
        for line_no, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(ERR_ROW.format(path=path, line=line_no, problem=f"not JSON ({exc.msg})")) from None
            missing = [key for key in required if not isinstance(row, dict) or row.get(key) in (None, "")]
            if missing:
                raise ValueError(ERR_ROW.format(path=path, line=line_no, problem=f"no {', '.join(missing)}"))
            yield row


def same_text_ids(corpus: Sequence[CorpusDoc]) -> dict[str, str]:
    """{doc_id: the first doc_id with the same text (case and spacing aside)}; most map to themselves."""
    first: dict[str, str] = {}
    return {row.doc_id: first.setdefault(" ".join(row.text.lower().split()), row.doc_id) for row in corpus}


def with_gold(query: EvalQuery, ids: dict[str, str]) -> EvalQuery:
    """The query with its gold doc_ids mapped through `ids` (see `same_text_ids`)."""
    return dataclasses.replace(query, gold=frozenset(ids.get(g, g) for g in query.gold))


# --- metrics of one query --------------------------------------------------------------------------------


def unique(ranked: Sequence[str]) -> list[str]:
    """Documents in the order they first appear."""
    return list(dict.fromkeys(ranked))


def recall_at(ranked: Sequence[str], gold: Iterable[str], k: int) -> float:
    """Share of the gold documents among the first `k` passages (1.0 or 0.0 with one gold document)."""
    gold = set(gold)
    return len(gold.intersection(ranked[:k])) / len(gold) if gold else 0.0


def reciprocal_rank(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """1/position of the first gold passage within the first `k`, else 0."""
    gold = set(gold)
    return next((1.0 / i for i, doc in enumerate(ranked[:k], start=1) if doc in gold), 0.0)


def ndcg_at(ranked: Sequence[str], gold: Iterable[str], k: int = 10) -> float:
    """Binary-gain nDCG over the first `k` passages; a document's repeats gain nothing."""
    gold = set(gold)
    if not gold:
        return 0.0
    seen: set[str] = set()
    dcg = 0.0
    for i, doc in enumerate(ranked[:k], start=1):
        if doc in gold and doc not in seen:
            dcg += 1.0 / math.log2(i + 1)
        seen.add(doc)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(gold), k) + 1))
    return dcg / ideal


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) with linear interpolation between ranks, as numpy's default; 0.0 if empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    position = (len(ordered) - 1) * p / 100.0
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- a whole run ---------------------------------------------------------------------------------------


def summarize(results: Sequence[QueryResult]) -> dict:
    """recall@1/5/10, mrr@10, ndcg@10 over answerable queries, p50/p95 latency over all, and the counts.

    Keys: recall@1, recall@5, recall@10, mrr@10, ndcg@10, p50_ms, p95_ms, queries, impossible_queries,
    impossible_with_passages (impossible queries that still got at least one passage).
    """
    answerable = [r for r in results if not r.query.impossible]
    impossible = [r for r in results if r.query.impossible]

    def mean(metric) -> float:
        return round(sum(metric(r) for r in answerable) / len(answerable), 4) if answerable else 0.0

    summary = {f"recall@{k}": mean(lambda r, k=k: recall_at(r.ranked, r.query.gold, k)) for k in KS}
    summary["mrr@10"] = mean(lambda r: reciprocal_rank(r.ranked, r.query.gold, 10))
    summary["ndcg@10"] = mean(lambda r: ndcg_at(r.ranked, r.query.gold, 10))
    latencies = [r.latency_ms for r in results]
    summary["p50_ms"] = round(percentile(latencies, 50), 2)
    summary["p95_ms"] = round(percentile(latencies, 95), 2)
    summary["queries"] = len(answerable)
    summary["impossible_queries"] = len(impossible)
    summary["impossible_with_passages"] = sum(1 for r in impossible if r.ranked)
    return summary
