"""Load test: N users chatting and M uploaders at once for a few minutes, against a `make run`-like stack on this
machine (one web process, one worker on both queues, Redis, SQLite or DATABASE_URL, the default Gemma 3 270M).

Each user asks a question (streamed), reads the answer to its end, thinks a while, and asks again; each uploader
sends a new synthetic document, waits until it is indexed, and sends the next; a prober asks /healthz twice a
second. Reported (the last line is one JSON object): p50/p95 time to first token, p50/p95 queue wait (question
sent → the worker started it: the first event that is not `queued`), answers and tokens per minute, documents
and chunks indexed per minute with their p50 upload → indexed time, /healthz p50/p95, and every error (must be 0).

Usage: .venv/bin/python bench/load.py [--users 4] [--uploads 1] [--seconds 120] [--pages 20] [--model PATH]
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.e2e import QUESTIONS, synthetic_pages  # noqa: E402
from bench.stack import admin_token, stack_env, start_stack  # noqa: E402
from tests import services  # noqa: E402

THINK_S = 3.0
# What the users ask about (bench/e2e.py's QUESTIONS): so answers are written by the model, not refused for lack
# of sources (a refusal costs no model time and would flatter the figures).
SEED = """# Política de pessoal

Todo colaborador tem direito a 30 dias corridos de férias por ano.
O reembolso de viagem é pago em até 10 dias úteis após a entrega dos recibos ao financeiro.
O trabalho remoto é permitido três dias por semana, com acordo do gestor.
O relatório mensal deve ser entregue até o quinto dia útil de cada mês.

## Policy (English)

Employees may work remotely three days per week with their manager's agreement.
Training outside the company is approved by the team manager and by HR.
""".encode()


class Figures:
    def __init__(self):
        self.lock = threading.Lock()
        self.ttft, self.queue_wait, self.answer_s, self.health_ms, self.indexed_s = [], [], [], [], []
        self.tokens = self.chunks = self.refused = 0
        self.errors: list[str] = []

    def add(self, name: str, value) -> None:
        with self.lock:
            getattr(self, name).append(value)

    def error(self, what: str) -> None:
        with self.lock:
            self.errors.append(what[:300])


def ask(client: httpx.Client, question: str, max_tokens: int, figures: Figures) -> None:
    started = time.monotonic()
    body = {"question": question, "stream": True, "params": {"max_tokens": max_tokens, "temperature": 0.7}}
    event, first, picked, tokens, ended = "", None, None, 0, ""
    with client.stream("POST", "/chat", json=body) as response:
        if response.status_code != 200:
            figures.error(f"chat {response.status_code}: {response.read()[:200]!r}")
            return
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
                if event != "queued" and picked is None:
                    picked = time.monotonic() - started
                if event == "token":
                    tokens += 1
                    first = first or time.monotonic() - started
                if event in ("done", "error"):
                    ended = event
            elif line.startswith("data:") and event == "error":
                figures.error(f"answer error event: {line[5:]}")
            if ended and line == "":
                break
    if ended != "done":
        figures.error(f"stream ended with {ended or 'nothing'}")
        return
    if first is None:
        with figures.lock:
            figures.refused += 1  # ended with no token: not counted in time to first token
    else:
        figures.add("ttft", first * 1000)
    figures.add("queue_wait", (picked or 0) * 1000)
    figures.add("answer_s", time.monotonic() - started)
    with figures.lock:
        figures.tokens += tokens


def user(base: str, token: str, n: int, stop: float, max_tokens: int, figures: Figures) -> None:
    with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600) as client:
        i = n
        while time.monotonic() < stop:
            try:
                ask(client, QUESTIONS[i % len(QUESTIONS)], max_tokens, figures)
            except httpx.HTTPError as exc:
                figures.error(f"chat {type(exc).__name__}: {exc}")
            i += 1
            time.sleep(THINK_S)


def uploader(base: str, token: str, n: int, stop: float, pages: int, figures: Figures) -> None:
    with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600) as client:
        i = 0
        while time.monotonic() < stop:
            started = time.monotonic()
            content = synthetic_pages(pages, seed=1000 * n + i + 1)
            try:
                response = client.post("/documents", files={"file": (f"load-{n}-{i}.md", content, "text/markdown")},
                                       data={"collection": "bench"})
                if response.status_code not in (200, 202):
                    figures.error(f"upload {response.status_code}: {response.text[:200]}")
                    return
                doc = response.json()
                while doc["status"] not in ("indexed", "failed"):
                    time.sleep(0.5)
                    doc = client.get(f"/documents/{doc['id']}").json()
            except httpx.HTTPError as exc:
                figures.error(f"upload {type(exc).__name__}: {exc}")
                continue
            if doc["status"] == "failed":
                figures.error(f"document failed: {doc.get('error')}")
            else:
                figures.add("indexed_s", time.monotonic() - started)
                with figures.lock:
                    figures.chunks += doc["chunks"]
            i += 1


def prober(base: str, stop: float, figures: Figures) -> None:
    with httpx.Client(timeout=30) as client:
        while time.monotonic() < stop:
            started = time.monotonic()
            try:
                status = client.get(f"{base}/healthz").status_code
                figures.add("health_ms", (time.monotonic() - started) * 1000)
                if status != 200:
                    figures.error(f"/healthz {status}")
            except httpx.HTTPError as exc:
                figures.error(f"/healthz {type(exc).__name__}")
            time.sleep(0.5)


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))], 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=4)
    parser.add_argument("--uploads", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--pages", type=int, default=20, help="pages of each uploaded synthetic document")
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--model", default="", help="GGUF path; empty: the default Gemma 3 270M")
    args = parser.parse_args()

    data = Path(tempfile.mkdtemp(prefix="acervo-load-"))
    env = stack_env(data, label="load", model_path=args.model, keep_database_url=True)
    token = admin_token(env)
    worker, web, base = start_stack(env, data)
    figures = Figures()
    try:
        with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600) as c:
            c.post("/documents", files={"file": ("policy.md", SEED, "text/markdown")}, data={"collection": "bench"})
            time.sleep(5)
            ask(c, "warm up", 8, Figures())  # the model's first load and prompt cache are not the load's
        started = time.monotonic()
        stop = started + args.seconds
        threads = [threading.Thread(target=user, args=(base, token, n, stop, args.max_tokens, figures))
                   for n in range(args.users)]
        threads += [threading.Thread(target=uploader, args=(base, token, n, stop, args.pages, figures))
                    for n in range(args.uploads)]
        threads.append(threading.Thread(target=prober, args=(base, stop, figures)))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        minutes = (time.monotonic() - started) / 60
    finally:
        services.stop(web)
        services.stop(worker)
    result = {
        "users": args.users, "uploaders": args.uploads, "seconds": round(minutes * 60), "pages_per_upload": args.pages,
        "model": args.model or "gemma-3-270m (default)", "cpus": os.cpu_count(),
        "answers": len(figures.answer_s), "answers_without_tokens": figures.refused, "answers_per_min": round(len(figures.answer_s) / minutes, 1),
        "tokens_per_min": round(figures.tokens / minutes), "ttft_ms_p50": pct(figures.ttft, 50),
        "ttft_ms_p95": pct(figures.ttft, 95), "queue_wait_ms_p50": pct(figures.queue_wait, 50),
        "queue_wait_ms_p95": pct(figures.queue_wait, 95), "answer_s_p50": pct(figures.answer_s, 50),
        "documents_indexed": len(figures.indexed_s), "chunks_per_min": round(figures.chunks / minutes),
        "upload_to_indexed_s_p50": pct(figures.indexed_s, 50),
        "healthz_ms_p50": pct(figures.health_ms, 50), "healthz_ms_p95": pct(figures.health_ms, 95),
        "errors": len(figures.errors), "first_errors": figures.errors[:5],
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(result))
    sys.exit(1 if figures.errors else 0)


if __name__ == "__main__":
    main()
