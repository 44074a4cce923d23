"""Regression cases of a collection's evaluation set: made from a reviewed answer in one click, or imported and
exported in the ../shared/eval QA format (corpus.jsonl: {"doc_id", "title", "text"}; queries.jsonl: {"qid",
"question", "answers": [...], "gold_doc_ids": [...], "is_impossible"?, "lang"?})."""

import io
import json
import tempfile
import zipfile
from pathlib import Path

from retrieval.answer_evaluation import read_dataset
from webapp.chat.models import Message
from webapp.documents.models import Chunk, Collection
from webapp.errors import AppError
from webapp.review.models import EvaluationSet, RegressionCase
from webapp.review.queue import question_of, review_mark

ERR_NOTHING_EXPECTED = "nothing_expected"
ERR_BAD_FILES = "bad_files"
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def evaluation_set_of(collection: Collection) -> EvaluationSet:
    return EvaluationSet.objects.get_or_create(collection=collection)[0]


def _passage(citation) -> dict:
    return {"doc_id": f"chunk-{citation.chunk_id or citation.pk}", "chunk_id": citation.chunk_id,
            "title": citation.title, "text": citation.text}


def regression_case_create(*, user, message: Message, collection: Collection, passage_ns: list[int],
                           expected_answer: str, should_refuse: bool, chunk_ids: list[int] = ()) -> RegressionCase:
    """A case from a reviewed answer: its question, the passages picked among those it retrieved (`passage_ns`)
    or searched for (`chunk_ids`, of `collection` only), an expected answer or "should refuse". The answer is marked
    reviewed. AppError when nothing is expected."""
    expected_answer = expected_answer.strip()
    picked = [_passage(c) for c in message.citations.filter(n__in=passage_ns)]
    known = {p["chunk_id"] for p in picked}
    picked += [{"doc_id": f"chunk-{c.pk}", "chunk_id": c.pk, "title": c.document.title, "text": c.text}
               for c in Chunk.objects.filter(pk__in=chunk_ids, document__collection=collection).select_related("document")
               if c.pk not in known]
    if not (picked or expected_answer or should_refuse):
        raise AppError("invalid_request", ERR_NOTHING_EXPECTED)
    case = RegressionCase.objects.create(
        evaluation_set=evaluation_set_of(collection), question=question_of(message),
        expected_passages=[] if should_refuse else picked, expected_answer="" if should_refuse else expected_answer,
        should_refuse=should_refuse, source_message=message, created_by=user,
    )
    review_mark(user=user, message=message)
    return case


def evaluation_set_export(evaluation_set: EvaluationSet) -> bytes:
    """A zip with corpus.jsonl and queries.jsonl."""
    corpus: dict[str, dict] = {}
    queries = []
    for case in evaluation_set.cases.all():
        for p in case.expected_passages:
            corpus.setdefault(str(p.get("doc_id")), {"doc_id": str(p.get("doc_id")), "title": p.get("title", ""),
                                                     "text": p.get("text", "")})
        queries.append({"qid": case.qid or f"case-{case.pk}", "question": case.question,
                        "answers": [case.expected_answer] if case.expected_answer else [],
                        "gold_doc_ids": [str(p.get("doc_id")) for p in case.expected_passages],
                        "is_impossible": case.should_refuse, "lang": case.language})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("corpus.jsonl", "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in corpus.values()))
        archive.writestr("queries.jsonl", "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in queries))
    return buffer.getvalue()


def evaluation_set_import(*, user, evaluation_set: EvaluationSet, corpus: bytes, queries: bytes) -> int:
    """Adds one case per query (a query without answers nor gold passages should be refused). Returns the count.
    AppError naming file and line on a malformed file. The corpus's documents are not ingested: upload them."""
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "corpus.jsonl").write_bytes(corpus)
        (Path(folder) / "queries.jsonl").write_bytes(queries)
        try:
            rows, questions = read_dataset(Path(folder))
        except (ValueError, UnicodeDecodeError) as exc:
            raise AppError("invalid_request", ERR_BAD_FILES, details={"problem": str(exc).replace(folder + "/", "")}) from None
    by_id = {row.doc_id: row for row in rows}
    cases = [RegressionCase(
        evaluation_set=evaluation_set, qid=q.qid[:100], question=q.question, language=q.language[:10],
        expected_passages=[{"doc_id": d, "title": by_id[d].title, "text": by_id[d].text}
                           for d in sorted(q.gold_doc_ids) if d in by_id],
        expected_answer=q.answers[0] if q.answers else "", should_refuse=q.impossible and not q.gold_doc_ids,
        created_by=user) for q in questions]
    RegressionCase.objects.bulk_create(cases)
    return len(cases)


def files_from_upload(upload) -> tuple[bytes, bytes]:
    """(corpus, queries) from an uploaded zip holding corpus.jsonl and queries.jsonl (at any depth)."""
    if upload.size > MAX_IMPORT_BYTES:
        raise AppError("invalid_request", ERR_BAD_FILES, details={"problem": "too large"})
    try:
        with zipfile.ZipFile(upload) as archive:
            names = {Path(n).name: n for n in archive.namelist()}
            return archive.read(names["corpus.jsonl"]), archive.read(names["queries.jsonl"])
    except (zipfile.BadZipFile, KeyError):
        raise AppError("invalid_request", ERR_BAD_FILES,
                       details={"problem": "a zip with corpus.jsonl and queries.jsonl"}) from None
