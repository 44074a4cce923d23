"""Retrieval speed as the worker sees it: question embedding + hybrid query with the permission filter, on an
EdgeIndex of 10k and 100k chunks; upsert speed; memory and disk per 100k chunks.

    .venv/bin/python bench/retrieval.py                    # 10k and 100k chunks
    .venv/bin/python bench/retrieval.py --sizes 10000 --optimize

- Chunks: 120 words drawn from the word stream of the shared evaluation corpora (Portuguese and English), so
  frequent words have long posting lists as real text does, encoded by the real BM25 encoder (`retrieval.lexical`);
  dense vectors are random unit vectors of the configured model's dimension (embedding 100k chunks would take over
  an hour here, and search cost depends on the count and dimension of vectors, not on what they mean).
- Documents have 20 chunks, in one of 50 collections; a question may read 10 of them (20% of the chunks).
- Questions: 200 real ones from the shared sets, embedded by the real model (EMBEDDING_MODEL) inside the timing,
  then `index.search` exactly as `search_passages` calls it (hybrid, SEARCH_TOP_K x CANDIDATES_PER_PASSAGE
  candidates, RELEVANCE_FLOOR). The database join after it is not timed.
- Upsert is timed on points already made (embedding and BM25 excluded): loading in calls of 1,000 points (a
  reindex), and 10k points in the pipeline's calls of EMBEDDING_BATCH_SIZE points, where the per-call cost shows
  (still far above the ~25 chunks/s the embedding model makes). The worker never optimizes by itself, so searches
  run on the index as loaded; `--optimize` also times them after `optimize()` (HNSW).

The last line is one JSON object.
"""

import argparse
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SETS = ROOT.parent / "shared" / "eval" / "qa"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
os.environ.setdefault("DATA_DIR", tempfile.mkdtemp(prefix="acervo-bench-"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from retrieval import lexical  # noqa: E402
from retrieval.embedding import Embedder  # noqa: E402
from retrieval.index.edge import EdgeIndex  # noqa: E402
from retrieval.search import CANDIDATES_PER_PASSAGE  # noqa: E402
from retrieval.types import IndexPoint  # noqa: E402

CHUNKS_PER_DOC, COLLECTIONS, READABLE = 20, 50, 10
BULK = 1000  # points per upsert call when loading
WORDS_PER_CHUNK = 120
QUESTIONS = 200
rng = np.random.default_rng(0)
draw = random.Random(0)


def corpus_words() -> list[str]:
    words = []
    for name in ("pt_faquad", "en_xquad"):
        for line in (SETS / name / "corpus.jsonl").read_text(encoding="utf-8").splitlines():
            words += re.findall(r"\S+", json.loads(line)["text"])
    return words


def questions() -> list[str]:
    asked = []
    for name in ("pt_faquad", "en_xquad"):
        lines = (SETS / name / "queries.jsonl").read_text(encoding="utf-8").splitlines()
        asked += [json.loads(line)["question"] for line in lines[: QUESTIONS // 2]]
    return asked


def make_points(start: int, n: int, dim: int, words: list[str]) -> list[IndexPoint]:
    dense = rng.standard_normal((n, dim)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    made = []
    for i in range(n):
        chunk = start + i
        text = " ".join(draw.choices(words, k=WORDS_PER_CHUNK))
        document = chunk // CHUNKS_PER_DOC
        made.append(IndexPoint(
            id=str(uuid.UUID(int=chunk + 1)), dense=dense[i].tolist(), sparse=lexical.document_vector(text),
            document_id=document, collection_id=document % COLLECTIONS, chunk_id=chunk,
            ordinal=chunk % CHUNKS_PER_DOC, version=1,
        ))
    return made


def load(index: EdgeIndex, total: int, dim: int, words: list[str], batch: int) -> float:
    """Upsert `total` chunks in calls of `batch`; returns chunks per second of upsert time alone."""
    upserting = 0.0
    for start in range(0, total, BULK):
        made = make_points(start, min(BULK, total - start), dim, words)
        for at in range(0, len(made), batch):
            began = time.perf_counter()
            index.upsert(made[at : at + batch])
            upserting += time.perf_counter() - began
    return total / upserting


def search_times(index: EdgeIndex, embedder: Embedder, asked: list[str]) -> list[float]:
    allowed = list(range(READABLE))
    limit = settings.SEARCH_TOP_K * CANDIDATES_PER_PASSAGE
    floor = settings.RELEVANCE_FLOOR if settings.RELEVANCE_FLOOR > 0 else None
    took = []
    for question in asked:
        began = time.perf_counter()
        index.search(
            dense=embedder.encode_query(question), sparse=lexical.query_vector(question),
            allowed_collections=allowed, limit=limit, mode="hybrid", min_similarity=floor,
        )
        took.append((time.perf_counter() - began) * 1000)
    return took


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def disk_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def run(total: int, embedder: Embedder, words: list[str], asked: list[str], optimize: bool) -> dict:
    root = Path(tempfile.mkdtemp(prefix="acervo-bench-index-"))
    try:
        before = rss_mb()
        index = EdgeIndex(root=root, name="bench", dim=embedder.dim, optimize_every=0)
        rate = load(index, total, embedder.dim, words, BULK)
        took = search_times(index, embedder, asked)
        result = {"chunks": total, "upsert_chunks_per_s": round(rate), "rss_mb": round(rss_mb() - before, 1),
                  "disk_mb": round(disk_mb(root), 1), **percentiles(took)}
        if optimize:
            began = time.perf_counter()
            index.optimize()
            result["optimize_s"] = round(time.perf_counter() - began, 1)
            result["optimized"] = percentiles(search_times(index, embedder, asked))
        index.close()
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)


def percentiles(took: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(took, 50)), 2), "p95_ms": round(float(np.percentile(took, 95)), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--optimize", action="store_true", help="also time searches after optimize() (slow)")
    args = parser.parse_args()
    embedder = Embedder(settings.EMBEDDING_MODEL, batch_size=settings.EMBEDDING_BATCH_SIZE,
                        threads=settings.EMBEDDING_THREADS)
    words, asked = corpus_words(), questions()
    embedder.encode_query(asked[0])
    began = time.perf_counter()
    for question in asked:
        embedder.encode_query(question)
    embed_ms = (time.perf_counter() - began) * 1000 / len(asked)
    print(f"{embedder.name} ({embedder.dim} dims): a question embeds in {embed_ms:.1f} ms on average")
    root = Path(tempfile.mkdtemp(prefix="acervo-bench-index-"))
    small = EdgeIndex(root=root, name="bench", dim=embedder.dim, optimize_every=0)
    in_batches = load(small, 10_000, embedder.dim, words, settings.EMBEDDING_BATCH_SIZE)
    small.drop()
    print(f"upsert in calls of {settings.EMBEDDING_BATCH_SIZE} points (the pipeline's): {in_batches:,.0f} chunks/s")
    results = {}
    for total in args.sizes:
        results[total] = run(total, embedder, words, asked, args.optimize)
        print(json.dumps(results[total]))
    print(json.dumps(summary(results, embedder, embed_ms) | {"upsert_chunks_per_s_pipeline": round(in_batches)}))


def summary(results: dict, embedder: Embedder, embed_ms: float) -> dict:
    largest = results[max(results)]
    per_100k = 100_000 / largest["chunks"]
    out = {"model": embedder.name, "dim": embedder.dim, "question_embedding_ms": round(embed_ms, 2)}
    for total, result in sorted(results.items()):
        tag = f"{total // 1000}k"
        out[f"p50_ms_{tag}"], out[f"p95_ms_{tag}"] = result["p50_ms"], result["p95_ms"]
        if "optimized" in result:
            out[f"p95_ms_{tag}_optimized"] = result["optimized"]["p95_ms"]
    out["upsert_chunks_per_s"] = largest["upsert_chunks_per_s"]
    out["disk_mb_per_100k"] = round(largest["disk_mb"] * per_100k, 1)
    out["memory_mb_per_100k"] = round(largest["rss_mb"] * per_100k, 1)
    return out


if __name__ == "__main__":
    main()
