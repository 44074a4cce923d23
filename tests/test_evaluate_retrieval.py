"""The retrieval yardstick: pure metrics, and `manage.py evaluate_retrieval` on a tiny data set through the real
pipeline (real embedding model, real embedded index in a temporary folder, real database)."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from retrieval import evaluation
from retrieval.evaluation import EvalQuery, QueryResult
from webapp.documents.models import Collection, Document

KEYS = {"recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10", "p50_ms", "p95_ms"}
CORPUS = [
    {"doc_id": "ferias", "title": "Férias", "text": "O empregado tem direito a trinta dias de férias por ano."},
    {"doc_id": "reembolso", "title": "Reembolso", "text": "Despesas de viagem são reembolsadas em até dez dias úteis."},
    {"doc_id": "senhas", "title": "Security", "text": "Passwords must be rotated every ninety days and never emailed."},
    {"doc_id": "parking", "title": "Parking", "text": "Visitors park in the north lot after signing in at reception."},
]
QUERIES = [
    {"qid": "1", "question": "Quantos dias de férias o empregado tem?", "gold_doc_ids": ["ferias"]},
    {"qid": "2", "question": "Em quanto tempo as despesas de viagem são reembolsadas?", "gold_doc_ids": ["reembolso"]},
    {"qid": "3", "question": "How often must passwords be rotated?", "gold_doc_ids": ["senhas"]},
    {"qid": "4", "question": "Where do visitors park?", "gold_doc_ids": ["parking"]},
    {"qid": "5", "question": "Qual é a capital da Mongólia?", "gold_doc_ids": [], "is_impossible": True},
]


def query(gold=("a",), impossible=False) -> EvalQuery:
    return EvalQuery(qid="q", question="?", gold=frozenset(gold), impossible=impossible)


def write_dataset(folder, corpus=CORPUS, queries=QUERIES):
    folder.mkdir(exist_ok=True)
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in corpus))
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in queries))
    return folder


# --- metrics ---------------------------------------------------------------------------------------------


def test_recall_at_k_counts_a_gold_document_among_the_first_k_passages():
    assert evaluation.recall_at(["b", "a", "c"], {"a"}, 1) == 0.0
    assert evaluation.recall_at(["b", "a", "c"], {"a"}, 2) == 1.0
    assert evaluation.recall_at(["a", "c"], {"a", "b"}, 5) == 0.5


def test_reciprocal_rank_is_one_over_the_first_gold_position_within_k():
    assert evaluation.reciprocal_rank(["b", "b", "a"], {"a"}) == pytest.approx(1 / 3)
    assert evaluation.reciprocal_rank(["b"] * 10 + ["a"], {"a"}, k=10) == 0.0


def test_ndcg_counts_a_document_once_however_many_of_its_chunks_come_back():
    assert evaluation.ndcg_at(["a", "a", "b"], {"a"}) == 1.0
    assert evaluation.ndcg_at(["b", "a"], {"a"}) == pytest.approx(1 / 1.5849625)
    assert evaluation.ndcg_at(["a", "x", "b"], {"a", "b"}) == pytest.approx((1 + 0.5) / (1 + 1 / 1.5849625))


def test_percentile_interpolates_between_ranks_like_numpy():
    assert evaluation.percentile([10, 20, 30, 40], 50) == 25
    assert evaluation.percentile([1.0] * 19 + [100.0], 95) == pytest.approx(5.95)
    assert evaluation.percentile([], 95) == 0.0


def test_impossible_questions_are_counted_apart_and_never_lower_recall():
    results = [
        QueryResult(query(("a",)), ("a",), 10.0),
        QueryResult(query((), impossible=True), ("b",), 30.0),
        QueryResult(query((), impossible=True), (), 20.0),
    ]

    summary = evaluation.summarize(results)

    assert summary["recall@1"] == summary["mrr@10"] == summary["ndcg@10"] == 1.0
    assert (summary["queries"], summary["impossible_queries"], summary["impossible_with_passages"]) == (1, 2, 1)
    assert summary["p50_ms"] == 20.0


def test_a_query_without_gold_documents_is_read_as_impossible(tmp_path):
    folder = write_dataset(tmp_path / "set", queries=[{"qid": "1", "question": "?", "gold_doc_ids": []}])

    [read] = evaluation.read_queries(folder)

    assert read.impossible


# --- the command -----------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_command_finds_every_gold_document_and_prints_the_json_keys(tmp_path):
    out = StringIO()

    call_command("evaluate_retrieval", str(write_dataset(tmp_path / "tiny")), "--json", stdout=out, stderr=StringIO())

    summary = json.loads(out.getvalue())
    assert KEYS <= set(summary)
    assert summary["recall@1"] == summary["recall@5"] == summary["recall@10"] == summary["mrr@10"] == 1.0
    assert (summary["queries"], summary["impossible_queries"], summary["documents"]) == (4, 1, 4)


@pytest.mark.django_db(transaction=True)
def test_the_command_removes_its_collection_documents_and_files(tmp_path, settings):
    call_command("evaluate_retrieval", str(write_dataset(tmp_path / "tiny")), "--mode", "sparse", stdout=StringIO(),
                 stderr=StringIO())

    assert not Collection.objects.exists()
    assert not Document.objects.exists()
    assert not list(settings.MEDIA_ROOT.glob("**/evaluation-*.txt"))


def test_a_folder_without_queries_is_refused_with_the_missing_file(tmp_path):
    (tmp_path / "corpus.jsonl").write_text(json.dumps(CORPUS[0]))

    with pytest.raises(CommandError, match="queries.jsonl is missing"):
        call_command("evaluate_retrieval", str(tmp_path))


def test_a_corpus_row_without_text_is_refused_with_its_line(tmp_path):
    write_dataset(tmp_path / "bad", corpus=[CORPUS[0], {"doc_id": "x"}])

    with pytest.raises(CommandError, match="line 2: no text"):
        call_command("evaluate_retrieval", str(tmp_path / "bad"))
