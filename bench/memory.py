"""The worker's memory while it ingests, with the default models loaded (USE embedder, Gemma 3 270M, embedded index):

1. peak RSS (the kernel's VmHWM, and 0.1 s samples) while it ingests the 619-page PDF, then --files small files:
   the target is 1.5 GB;
2. the long run (--documents N): small files in rounds of --every documents, each round into a new collection,
   the worker's RSS read after each round; a least-squares line over the rounds after the first (the first
   fills caches: the lexical cache, allocator arenas, the engine's segments) gives the growth in MB per 1,000
   documents, for the whole RSS, its heap part (RssAnon) and its mapped-file part (RssFile), beside the embedded
   index's growth on disk. The embedded index lives in the worker, so RSS grows with the corpus it holds; a leak
   is heap growth beyond the index's own.

    .venv/bin/python bench/memory.py                                   # the PDF + 1,000 small files (~15 min)
    .venv/bin/python bench/memory.py --skip-big --documents 10000      # the long run, RSS every 1,000 documents

A `make run`-like stack (bench/stack.py: web + worker on both queues, Redis, SQLite in a temporary DATA_DIR);
a question is answered first so the LLM has run once. Small files: the shared folder's text-bearing files up to
100 KB (pdf, docx, html, eml, … as bench/ingest.py picks them), each round's copy in a new collection, filled up
with distinct synthetic markdown files of ~300 words. Uploads go through `manage.py ingest --wait --json`.
Not part of `make test`: it takes minutes. The last line is one JSON object.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.e2e import synthetic_pages, ttft  # noqa: E402
from bench.ingest import BIG_PDF, RssSampler, mixed_folder  # noqa: E402
from bench.load import QUESTIONS, SEED  # noqa: E402
from bench.stack import admin_token, clean_up, stack_env, start_stack  # noqa: E402
from tests import services  # noqa: E402

TARGET_MB = 1536


def small_files(folder: Path, n: int, round_: int) -> list[Path]:
    """`n` small files: the shared ones (distinct formats), then synthetic markdown, each distinct in content."""
    mixed_folder(folder, max_kb=100, synthetic_pages=0)
    files = sorted(p for p in folder.rglob("*") if p.is_file())[:n]
    for i in range(len(files), n):
        path = folder / "synthetic" / f"note-{round_}-{i}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(synthetic_pages(1, words_per_page=300, seed=round_ * 1_000_000 + i))
    return sorted(p for p in folder.rglob("*") if p.is_file())[:n]


def ingest(env: dict, paths: list[Path], collection: str) -> dict:
    """Upload and wait; counts of documents by how they ended, chunks, seconds."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "manage.py", "ingest", *map(str, paths), "--collection", collection,
                           "--wait", "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {"documents": len(rows), "indexed": sum(r["status"] == "indexed" for r in rows),
            "chunks": sum(r.get("chunks") or 0 for r in rows), "seconds": round(time.monotonic() - started, 1)}


def folder_mb(path: Path) -> float:
    """Bytes on disk under `path` (the embedded index's segments), in MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20 if path.exists() else 0.0


def slope_per_1000(samples: list[tuple[int, float]]) -> float | None:
    """MB per 1,000 documents, least squares over the rounds after the first (which fills caches)."""
    steady = samples[1:] if len(samples) > 2 else samples
    if len(steady) < 2:
        return None
    x, y = np.array([s[0] for s in steady]), np.array([s[1] for s in steady])
    return round(float(np.polyfit(x, y, 1)[0]) * 1000, 1)


def long_run(env: dict, data: Path, rss: RssSampler, documents: int, every: int) -> dict:
    """RSS after each round, split as the kernel counts it: RssAnon (the heap: Python objects, the models, the
    index's in-memory segments) and RssFile (files mapped in: libraries, the index's mmapped segments); and the
    index's size on disk. Growth that follows the index's data is the corpus being held, not a leak: the slopes
    of the three side by side say which it is."""
    samples, anon, mapped, index = [], [], [], []  # (documents ingested so far, MB after the round)
    done = 0
    for round_ in range(1, documents // every + 1):
        folder = data / f"round-{round_}"
        outcome = ingest(env, small_files(folder, every, round_), f"memory-{round_}")
        shutil.rmtree(folder)
        done += outcome["documents"]
        samples.append((done, round(rss.field_mb("VmRSS"), 1)))
        anon.append((done, round(rss.field_mb("RssAnon"), 1)))
        mapped.append((done, round(rss.field_mb("RssFile"), 1)))
        index.append((done, round(folder_mb(data / "index"), 1)))
        print(json.dumps({"round": round_, **outcome, "worker_rss_mb": samples[-1][1], "rss_anon_mb": anon[-1][1],
                          "rss_file_mb": mapped[-1][1], "index_disk_mb": index[-1][1],
                          "load_average": os.getloadavg()[0]}), flush=True)
    return {"documents": done, "rss_mb_every_round": samples,
            "rss_slope_mb_per_1000_documents": slope_per_1000(samples),
            "rss_anon_slope_mb_per_1000_documents": slope_per_1000(anon),
            "rss_file_slope_mb_per_1000_documents": slope_per_1000(mapped),
            "index_disk_slope_mb_per_1000_documents": slope_per_1000(index)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="small files after the big PDF")
    parser.add_argument("--documents", type=int, default=0, help="long run: this many small files (e.g. 10000)")
    parser.add_argument("--every", type=int, default=1000, help="long run: documents per round (one RSS sample)")
    parser.add_argument("--skip-big", action="store_true", help="skip the 619-page PDF and the --files batch")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary DATA_DIR (logs)")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="acervo-bench-memory-"))
    env = stack_env(data, label="memory")  # the default models: USE and the bundled Gemma 3 270M
    token = admin_token(env)
    worker, web, base = start_stack(env, data)
    results: dict = {"target_mb": TARGET_MB}
    try:
        rss = RssSampler(worker.pid)
        results["worker_rss_mb_ready"] = round(rss.field_mb("VmRSS"), 1)
        (data / "policy.md").write_bytes(SEED)  # something to answer from: a refusal would not run the model
        ingest(env, [data / "policy.md"], "memory-seed")
        with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600) as c:
            results["first_answer_ttft_ms"] = round(ttft(c, QUESTIONS[0]))
        results["worker_rss_mb_after_first_answer"] = round(rss.field_mb("VmRSS"), 1)
        if not args.skip_big:
            results["big_pdf"] = ingest(env, [BIG_PDF], "memory-big")
            results["peak_rss_mb_big_pdf"] = round(rss.peak_mb, 1)
            rss.reset()
            results["small_files"] = ingest(env, small_files(data / "small", args.files, 0), "memory-small")
            results["peak_rss_mb_small_files"] = round(rss.peak_mb, 1)
        if args.documents:
            results["long_run"] = long_run(env, data, rss, args.documents, args.every)
        results["worker_rss_mb_end"] = round(rss.field_mb("VmRSS"), 1)
        results["worker_peak_rss_mb"] = round(rss.field_mb("VmHWM"), 1)
        results["within_target"] = results["worker_peak_rss_mb"] <= TARGET_MB
        results["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    finally:
        services.stop(web)
        services.stop(worker)
        clean_up(env, data, keep=args.keep_data)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
