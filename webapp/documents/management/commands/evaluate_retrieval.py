"""manage.py evaluate_retrieval DATASET_DIR: retrieval quality and speed on any data set in the shared format.

Ingests every corpus row as a document of a temporary collection through the real pipeline
(`ingest_document`: parse → chunk → embed → index), asks every question through `search_passages` (the code the
worker answers with), scores where the gold documents landed (`retrieval.evaluation`), and removes the collection,
its documents, their stored files and their vectors, also when interrupted.

It runs in this process, with the embedding model loaded here. With the embedded index it uses a temporary index
folder by default (`--index-path` to choose one), so it never touches, nor waits for, the folder a running worker
holds. With QDRANT_URL the temporary collection's vectors go to the configured server collection and are deleted
at the end; nobody else can find them meanwhile (their collection is readable by no group).
"""

import json
import time
import uuid
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from ingestion.indexing import unindex_document
from ingestion.pipeline import ingest_document
from retrieval import evaluation
from retrieval.index.base import MODES
from retrieval.search import search_passages
from webapp.documents.models import Chunk, Collection, Document
from webapp.documents.scratch import document_from_text, scratch_index

COLLECTION_PREFIX = "evaluation-"
ERR_FAILED = "{n} of {total} documents failed to ingest, e.g. {doc_id}: {error}"


class Command(BaseCommand):
    help = "Score retrieval (recall@1/5/10, MRR@10, nDCG@10, latency) on DATASET_DIR/corpus.jsonl + queries.jsonl."

    def add_arguments(self, parser):
        parser.add_argument("dataset_dir", type=Path)
        parser.add_argument("--k", type=int, default=10, help="passages retrieved per question (default 10)")
        parser.add_argument("--mode", choices=MODES, default="hybrid")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print one JSON object")
        parser.add_argument("--floor", type=float, default=None, help="relevance floor (default RELEVANCE_FLOOR)")
        parser.add_argument("--index-path", type=Path, default=None,
                            help="embedded index folder to use (default: a temporary one, removed at the end)")

    def handle(self, dataset_dir, k, mode, as_json, floor, index_path, **options):
        if k < 1:
            raise CommandError("--k must be at least 1")
        try:
            corpus = evaluation.read_corpus(dataset_dir)
            queries = evaluation.read_queries(dataset_dir)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        same_text = evaluation.same_text_ids(corpus)
        queries = [evaluation.with_gold(q, same_text) for q in queries]
        with scratch_index(index_path):
            collection = Collection.objects.create(name=f"{COLLECTION_PREFIX}{uuid.uuid4().hex[:12]}")
            try:
                doc_ids = {pk: same_text[doc_id] for pk, doc_id in self._ingest(collection, corpus).items()}
                chunks = Chunk.objects.filter(document__collection=collection).count()
                if queries:  # the first search pays one-time costs (allocations, caches): not timed
                    _ask(queries[0], collection.pk, doc_ids, k, mode, floor)
                results = [_ask(query, collection.pk, doc_ids, k, mode, floor) for query in queries]
            finally:
                _remove(collection)
        summary = evaluation.summarize(results) | {"documents": len(corpus), "chunks": chunks}
        if as_json:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(_table(Path(dataset_dir).name, mode, k, summary))

    def _ingest(self, collection: Collection, corpus: list[evaluation.CorpusDoc]) -> dict[int, str]:
        """Each row becomes a document, ingested before the next one is created; returns {document pk: doc_id}."""
        doc_ids, failed = {}, []
        started = time.monotonic()
        for n, row in enumerate(corpus, start=1):
            document = document_from_text(collection, doc_id=row.doc_id, title=row.title, text=row.text, prefix="evaluation-")
            doc_ids[document.pk] = row.doc_id
            ingest_document(document.pk)
            document.refresh_from_db(fields=["status", "error"])
            if document.status != Document.Status.INDEXED:
                failed.append((row.doc_id, document.error))
            if n % 50 == 0 or n == len(corpus):
                self.stderr.write(f"ingested {n}/{len(corpus)} documents in {time.monotonic() - started:.0f} s")
        if failed:
            doc_id, error = failed[0]
            raise CommandError(ERR_FAILED.format(n=len(failed), total=len(corpus), doc_id=doc_id, error=error))
        return doc_ids


def _ask(query: evaluation.EvalQuery, collection_id: int, doc_ids: dict[int, str], k: int, mode: str,
         floor: float | None) -> evaluation.QueryResult:
    began = time.perf_counter()
    passages = search_passages(query.question, collection_ids=[collection_id], limit=k, mode=mode, floor=floor)
    took_ms = (time.perf_counter() - began) * 1000
    return evaluation.QueryResult(query, tuple(doc_ids[p.document_id] for p in passages), took_ms)


def _remove(collection: Collection) -> None:
    """Vectors, stored files, then rows (chunks go with their documents)."""
    for document in Document.objects.filter(collection=collection):
        unindex_document(document.pk)  # and from a build under way, which the pipeline wrote to as well
        if document.file.name:
            document.file.storage.delete(document.file.name)
    collection.delete()


def _table(name: str, mode: str, k: int, s: dict) -> str:
    head = (f"{name}: {s['documents']} documents in {s['chunks']} chunks, {s['queries']} questions "
            f"(+{s['impossible_queries']} impossible), mode {mode}, k {k}")
    metrics = "  ".join(f"{key} {s[key]:.3f}" for key in ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10"))
    lines = [head, metrics, f"latency p50 {s['p50_ms']:.1f} ms  p95 {s['p95_ms']:.1f} ms"]
    if s["impossible_queries"]:
        lines.append(f"impossible questions that still got passages: {s['impossible_with_passages']}")
    return "\n".join(lines)
