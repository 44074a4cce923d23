"""Retrieval at scale as the worker sees it: question embedding + the product's filtered hybrid search, on the
product's embedded index (`retrieval.index.open_index`), while it is being built and once it is built; upsert
rate, memory and disk per 100k passages; `optimize_index`'s time; answer latency (time to first token) while a
bulk load runs in the same process, against idle.

    .venv/bin/python bench/retrieval.py                        # the target: 1,000,000 passages, then optimize()
    .venv/bin/python bench/retrieval.py --passages 1000000 --no-optimize   # ~35 min on 2 cores at load ~14
    .venv/bin/python bench/retrieval.py --passages 50000 --answers 0

Loading stops early, and says so, if the machine runs short of memory (RESERVE_MB): 1M takes ~6 GB.

- Passages: 120 words drawn from the word stream of the shared evaluation corpora (Portuguese and English), so
  frequent words have long posting lists as real text does, encoded by the real BM25 encoder (`retrieval.lexical`);
  dense vectors are random unit vectors of the configured model's dimension (embedding 1M passages would take a
  day here, and search cost depends on the count and dimension of vectors, not on what they mean).
- Documents have 20 passages, in one of 50 collections; a question may read 10 of them (20% of the passages).
- Questions: 200 real ones from the shared sets, embedded by the real model (EMBEDDING_MODEL) inside the timing,
  then `index.search` exactly as `search_passages` calls it (hybrid, SEARCH_TOP_K x CANDIDATES_PER_PASSAGE
  candidates, RELEVANCE_FLOOR, with_modes). The database join after it is not timed (an indexed lookup of 24 rows).
- The index is opened as the worker opens it (`open_index`: it never optimizes by itself) and loaded in calls of
  1,000 points, from this process's main thread, as a collection import or a restore does in the worker. Upsert
  rate counts engine time only (making the points, BM25 included, is excluded).
- While it loads, another thread of this process asks a question every --every seconds (search), and with
  --answers, answers one: search, then the best passage's first 60 words (about what ANSWER_CONTEXT=quote gives
  the model) in the product's prompt, to the first token of the configured LLM (the default Gemma 3 270M). As in
  the worker (retrieval.throttle), the load steps aside between calls while an answer is being written.
  The same questions are then asked idle on the loaded index, and again after `optimize()` (what
  `manage.py optimize_index` runs in the worker); the optimize is timed and the longest search that waited on it is
  reported (it holds the process).

Memory is this process's RSS growth from before the index was opened to after it was loaded (and optimized);
disk is the index folder. The last line is one JSON object.
"""

import argparse
import gc
import json
import os
import random
import re
import shutil
import sys
import tempfile
import threading
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

from retrieval import lexical, throttle  # noqa: E402
from retrieval.embedding import Embedder  # noqa: E402
from retrieval.index import open_index  # noqa: E402
from retrieval.search import CANDIDATES_PER_PASSAGE  # noqa: E402
from retrieval.types import GenerationParams, IndexPoint, Passage  # noqa: E402

TARGET = 1_000_000
CHUNKS_PER_DOC, COLLECTIONS, READABLE = 20, 50, 10
BULK = 1000  # points per upsert call when loading
WORDS_PER_CHUNK = 120
QUOTE_WORDS = 60
QUESTIONS = 200
# Distinct passage texts, cycled: each term keeps its share of passages, so posting lists grow with the collection
# as real text's do; BM25-encoding 1M texts would take longer here than loading them.
POOL = 20_000
# Loading stops (and says so) when the machine has less memory available than this: others share it.
RESERVE_MB = 3072


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


def passage_text(chunk: int, words: list[str]) -> str:
    """The text of passage `chunk`: one of POOL texts, the same every time it is asked for (so nothing keeps 1M
    texts in memory, and making a point costs little next to upserting it)."""
    return " ".join(random.Random(chunk % POOL).choices(words, k=WORDS_PER_CHUNK))


def sparse_pool(words: list[str]) -> list:
    return [lexical.document_vector(passage_text(i, words)) for i in range(POOL)]


def make_points(start: int, n: int, dim: int, sparse: list, rng: np.random.Generator) -> list[IndexPoint]:
    dense = rng.standard_normal((n, dim)).astype(np.float32)
    dense /= np.linalg.norm(dense, axis=1, keepdims=True)
    made = []
    for i, vector in enumerate(dense.tolist()):
        chunk = start + i
        document = chunk // CHUNKS_PER_DOC
        made.append(IndexPoint(
            id=str(uuid.UUID(int=chunk + 1)), dense=vector, sparse=sparse[chunk % POOL], document_id=document,
            collection_id=document % COLLECTIONS, chunk_id=chunk, ordinal=chunk % CHUNKS_PER_DOC, version=1,
        ))
    return made


class Asker:
    """Asks the questions in turn as the product does, timing a search (embedding included) and an answer."""

    def __init__(self, index, embedder: Embedder, asked: list[str], words: list[str], llm=None):
        self.index, self.embedder, self.asked, self.words, self.llm = index, embedder, asked, words, llm
        self.turn = 0

    def search(self, question: str):
        return self.index.search(
            dense=self.embedder.encode_query(question), sparse=lexical.query_vector(question),
            allowed_collections=list(range(READABLE)), limit=settings.SEARCH_TOP_K * CANDIDATES_PER_PASSAGE,
            mode="hybrid", with_modes=True,
            min_similarity=settings.RELEVANCE_FLOOR if settings.RELEVANCE_FLOOR > 0 else None,
        )

    def time_search(self) -> float:
        question = self.asked[self.turn % len(self.asked)]
        self.turn += 1
        began = time.perf_counter()
        self.search(question)
        return (time.perf_counter() - began) * 1000

    def time_answer(self) -> float:
        """Milliseconds from the question to the LLM's first token, through search and the product's prompt."""
        question = self.asked[self.turn % len(self.asked)]
        self.turn += 1
        began = time.perf_counter()
        with throttle.answering():  # as retrieval.answer does: a bulk load in this process steps aside meanwhile
            return self._answer(question, began)

    def _answer(self, question: str, began: float) -> float:
        from retrieval.prompt import build_prompt

        hits = self.search(question)
        best = hits[0].chunk_id if hits else 0
        text = " ".join(passage_text(best, self.words).split()[:QUOTE_WORDS])
        passage = Passage(n=1, chunk_id=best, document_id=0, collection_id=0, title="Manual", text=text, page=1,
                          location="", heading_path="", char_start=0, char_end=len(text), score=1.0)
        params = GenerationParams(max_tokens=8, temperature=0.0)
        prompt = build_prompt(question=question, passages=[passage], history=[], language="pt",
                              count_tokens=lambda t: len(self.llm.tokenize(t)), budget=self.llm.n_ctx - 8,
                              chat_template=self.llm.chat_template)
        for _ in self.llm.stream(prompt.segments, params):
            break
        return (time.perf_counter() - began) * 1000


class Background(threading.Thread):
    """Asks a question every `every` seconds on a fixed clock until stopped (every `answer_every`-th is answered).

    Each time counts from when the question was due, not from when this thread got to ask it: an engine call that
    holds the GIL (an optimize, a big upsert) delays the asker as it would delay a worker thread, and that wait is
    part of what a person waits.
    """

    def __init__(self, asker: Asker, every: float, answer_every: int):
        super().__init__(daemon=True)
        self.asker, self.every, self.answer_every = asker, every, answer_every
        self.searches: list[float] = []
        self.answers: list[float] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        n, due = 0, time.perf_counter() + self.every
        while not self.stopped.wait(max(0.0, due - time.perf_counter())):
            n += 1
            late = (time.perf_counter() - due) * 1000
            if self.answer_every and n % self.answer_every == 0:
                self.answers.append(late + self.asker.time_answer())
            else:
                self.searches.append(late + self.asker.time_search())
            due = max(due + self.every, time.perf_counter())

    def stop(self) -> "Background":
        self.stopped.set()
        self.join()
        return self


def load(index, total: int, dim: int, sparse: list) -> tuple[int, float, list[tuple[int, float]]]:
    """Upsert up to `total` passages in calls of BULK (fewer if the machine runs short of memory); (passages loaded,
    passages per second of upsert time alone, [(n, RSS MB)] every 100k)."""
    rng = np.random.default_rng(0)
    upserting, rss_at, loaded = 0.0, [], 0
    for start in range(0, total, BULK):
        if available_mb() < RESERVE_MB:
            print(f"  stopped at {loaded:,}: {available_mb():,.0f} MB left on the machine", flush=True)
            break
        made = make_points(start, min(BULK, total - start), dim, sparse, rng)
        throttle.wait_while_answering()  # as the worker's import and restore do (webapp/operations/index_access.py)
        began = time.perf_counter()
        index.upsert(made)
        upserting += time.perf_counter() - began
        loaded = start + len(made)
        if loaded % 100_000 == 0 or loaded == total:
            rss_at.append((loaded, round(rss_mb(), 1)))
            print(f"  {loaded:,} loaded, {upserting:.0f} s upserting, RSS {rss_at[-1][1]:,.0f} MB, {uptime()}",
                  flush=True)
    return loaded, loaded / upserting, rss_at


def idle(asker: Asker, searches: int, answers: int) -> dict:
    """Questions one after another, nothing else running in this process. Also the CPU time each search took
    (this process, every thread: the engine's included), which a machine shared with other work inflates far less
    than wall time: what the search costs a quiet core."""
    asker.turn = 0
    took, cpu = [], []
    for _ in range(searches):
        began = time.process_time()
        took.append(asker.time_search())
        cpu.append((time.process_time() - began) * 1000)
    out = percentiles(took, "search") | percentiles(cpu, "search_cpu")
    if answers:
        out |= percentiles([asker.time_answer() for _ in range(answers)], "answer")
    return out


def rss_mb() -> float:
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def available_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1]) / 1024
    return float("inf")


def disk_mb(path: Path) -> float:
    """Space the folder takes on disk (allocated blocks: the engine's files are sparse, their sizes say more)."""
    return sum(f.stat().st_blocks * 512 for f in path.rglob("*") if f.is_file()) / 2**20


def percentiles(took: list[float], what: str) -> dict:
    if not took:
        return {}
    p50, p95 = np.percentile(took, [50, 95])
    return {f"{what}_n": len(took), f"{what}_p50_ms": round(float(p50), 1), f"{what}_p95_ms": round(float(p95), 1),
            f"{what}_max_ms": round(max(took), 1)}


def run(total: int, embedder: Embedder, asker_parts: tuple, sparse: list, args) -> dict:
    root = Path(tempfile.mkdtemp(prefix="acervo-bench-index-", dir=args.index_dir))
    try:
        gc.collect()
        before = rss_mb()
        index = open_index(name="bench", dim=embedder.dim, path=root)
        asker = Asker(index, embedder, *asker_parts)
        background = Background(asker, args.every, args.answer_every if asker.llm else 0)
        background.start()
        began = time.perf_counter()
        total, rate, rss_at = load(index, total, embedder.dim, sparse)
        load_s = time.perf_counter() - began
        background.stop()
        gc.collect()
        result = {"passages": total, "load_s": round(load_s), "upsert_passages_per_s": round(rate),
                  "rss_growth_mb": round(rss_mb() - before, 1), "rss_mb_while_loading": rss_at,
                  "disk_mb": round(disk_mb(root), 1), "uptime_after_load": uptime()}
        result["while_loading"] = percentiles(background.searches, "search") | percentiles(background.answers, "answer")
        print(json.dumps(result), flush=True)
        result["idle_as_loaded"] = idle(asker, args.questions, args.answers)
        print(json.dumps({"idle_as_loaded": result["idle_as_loaded"]}), flush=True)
        if args.optimize:
            result |= optimized(index, asker, root, before, args)
        index.close()
        return result
    finally:
        shutil.rmtree(root, ignore_errors=True)


def optimized(index, asker: Asker, root: Path, before: float, args) -> dict:
    """`optimize()` timed, a search every second meanwhile (each waits for it), then the questions again."""
    waiting = Background(asker, 1.0, 0)
    waiting.start()
    began, cpu = time.perf_counter(), time.process_time()
    index.optimize()
    optimize_s, optimize_cpu_s = time.perf_counter() - began, time.process_time() - cpu
    time.sleep(2.5)  # the question due while the optimize held the process is asked now: its wait is counted
    waiting.stop()
    gc.collect()
    out = {"optimize_s": round(optimize_s, 1), "optimize_cpu_s": round(optimize_cpu_s, 1), "search_max_ms_during_optimize": round(max(waiting.searches, default=0)),
           "rss_growth_mb_optimized": round(rss_mb() - before, 1), "disk_mb_optimized": round(disk_mb(root), 1),
           "uptime_after_optimize": uptime()}
    out["idle_optimized"] = idle(asker, args.questions, args.answers)
    print(json.dumps(out), flush=True)
    return out


def uptime() -> str:
    return "load average: " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--passages", type=int, nargs="+", default=[TARGET], help=f"sizes to build (target {TARGET:,})")
    parser.add_argument("--questions", type=int, default=QUESTIONS, help="searches timed idle")
    parser.add_argument("--answers", type=int, default=20, help="answers timed idle (0: no LLM at all)")
    parser.add_argument("--every", type=float, default=0.5, help="seconds between questions while loading")
    parser.add_argument("--answer-every", type=int, default=4, help="while loading, every n-th question is answered")
    parser.add_argument("--no-optimize", dest="optimize", action="store_false", help="skip optimize() and after")
    parser.add_argument("--index-dir", default=None, help="where the index folder goes (default: the temp dir)")
    args = parser.parse_args()
    embedder = Embedder(settings.EMBEDDING_MODEL, batch_size=settings.EMBEDDING_BATCH_SIZE,
                        threads=settings.EMBEDDING_THREADS)
    words, asked = corpus_words(), questions()
    embedder.encode_query(asked[0])
    began = time.perf_counter()
    for question in asked:
        embedder.encode_query(question)
    embed_ms = (time.perf_counter() - began) * 1000 / len(asked)
    print(f"{embedder.name} ({embedder.dim} dims): a question embeds in {embed_ms:.1f} ms on average; {uptime()}")
    sparse = sparse_pool(words)
    llm = None
    if args.answers:
        from retrieval.llm import load_llm

        llm = load_llm(n_ctx=settings.LLM_CONTEXT_SIZE, threads=settings.LLM_THREADS)
    results = {}
    for total in args.passages:
        results[total] = run(total, embedder, (asked, words, llm), sparse, args)
    print(json.dumps(summary(results, embedder, embed_ms, llm)))


def summary(results: dict, embedder: Embedder, embed_ms: float, llm) -> dict:
    largest = results[max(results)]
    per_100k = 100_000 / largest["passages"]
    out = {"model": embedder.name, "dim": embedder.dim, "llm": llm.describe() if llm else None,
           "question_embedding_ms": round(embed_ms, 2), "cpus": os.cpu_count()}
    for total, result in sorted(results.items()):
        tag = f"{total // 1000}k"
        out[f"search_p95_ms_{tag}_while_loading"] = result["while_loading"].get("search_p95_ms")
        out[f"search_p95_ms_{tag}"] = result["idle_as_loaded"]["search_p95_ms"]
        out[f"search_cpu_p95_ms_{tag}"] = result["idle_as_loaded"]["search_cpu_p95_ms"]
        if "idle_optimized" in result:
            out[f"search_p95_ms_{tag}_optimized"] = result["idle_optimized"]["search_p95_ms"]
            out[f"search_cpu_p95_ms_{tag}_optimized"] = result["idle_optimized"]["search_cpu_p95_ms"]
            out[f"optimize_s_{tag}"], out[f"optimize_cpu_s_{tag}"] = result["optimize_s"], result["optimize_cpu_s"]
        if llm:
            out[f"answer_ttft_p50_ms_{tag}_while_loading"] = result["while_loading"].get("answer_p50_ms")
            out[f"answer_ttft_p50_ms_{tag}_idle"] = result["idle_as_loaded"].get("answer_p50_ms")
    out["upsert_passages_per_s"] = largest["upsert_passages_per_s"]
    out["disk_mb_per_100k"] = round(largest.get("disk_mb_optimized", largest["disk_mb"]) * per_100k, 1)
    out["memory_mb_per_100k"] = round(largest.get("rss_growth_mb_optimized", largest["rss_growth_mb"]) * per_100k, 1)
    return out


if __name__ == "__main__":
    main()
