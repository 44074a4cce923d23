"""End-to-end figures for the spine, through the real processes (web + worker + Redis + SQLite):

- upload → indexed time of a 50-page text document;
- time from question to first SSE token, with the tiny test model and with the default Gemma 3 270M;
- the same while a 200-page document is being ingested.

Usage: .venv/bin/python bench/e2e.py [--questions 5]
The last line is one JSON object with every figure.
"""

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.stack import admin_token, stack_env, start_stack  # noqa: E402
from tests import services  # noqa: E402

WORDS = ("política empresa colaborador férias salário benefício contrato gestor equipe reunião projeto prazo relatório "
         "cliente fornecedor pagamento reembolso viagem treinamento segurança acesso sistema dados documento processo "
         "policy employee vacation salary benefit contract manager team meeting project deadline report").split()
QUESTIONS = ["Quantos dias de férias o colaborador tem por ano?", "Como funciona o reembolso de viagem?",
             "What is the remote work policy?", "Qual é o prazo para entregar o relatório?", "Who approves training?"]


def synthetic_pages(pages: int, words_per_page: int = 450, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    out = []
    for page in range(1, pages + 1):
        out.append(f"## Seção {page}\n")
        for _ in range(words_per_page // 15):
            out.append(" ".join(rng.choice(WORDS) for _ in range(15)).capitalize() + ".")
        out.append("\n")
    out.insert(0, "# Manual\n\nTodo colaborador tem direito a 30 dias corridos de férias por ano.\n")
    return "\n".join(out).encode()


def upload_and_wait(client: httpx.Client, name: str, content: bytes) -> tuple[float, dict]:
    started = time.monotonic()
    doc = client.post("/documents", files={"file": (name, content, "text/markdown")}, data={"collection": "bench"}).json()
    while doc["status"] not in ("indexed", "failed"):
        time.sleep(0.1)
        doc = client.get(f"/documents/{doc['id']}").json()
    return time.monotonic() - started, doc


def ttft(client: httpx.Client, question: str, max_tokens: int = 32) -> float:
    started = time.monotonic()
    body = {"question": question, "stream": True, "params": {"max_tokens": max_tokens, "temperature": 0}}
    with client.stream("POST", "/chat", json=body) as response:
        for line in response.iter_lines():
            if line.startswith("event: token"):
                first = time.monotonic() - started
            if line.startswith("event: done") or line.startswith("event: error"):
                break
    return first * 1000


def median_ttft(client, n: int) -> float:
    ttft(client, "warm up the prompt cache")
    return statistics.median(ttft(client, QUESTIONS[i % len(QUESTIONS)]) for i in range(n))


def run(model_path: str, label: str, args, results: dict) -> None:
    data = Path(tempfile.mkdtemp(prefix=f"acervo-bench-{label}-"))
    env = stack_env(data, model_path=model_path)
    token = admin_token(env)
    worker, web, base = start_stack(env, data)
    try:
        with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600) as client:
            seconds, doc = upload_and_wait(client, "manual-50.md", synthetic_pages(50))
            results[f"{label}_upload_50_pages_s"] = round(seconds, 2)
            results[f"{label}_upload_50_pages_chunks"] = doc["chunks"]
            results[f"{label}_ttft_ms_median"] = round(median_ttft(client, args.questions), 1)
            big = client.post("/documents", files={"file": ("manual-200.md", synthetic_pages(200, seed=1), "text/markdown")},
                              data={"collection": "bench"}).json()
            while client.get(f"/documents/{big['id']}").json()["status"] != "embedding":
                time.sleep(0.05)
            results[f"{label}_ttft_ms_median_while_ingesting_200_pages"] = round(median_ttft(client, args.questions), 1)
            still = client.get(f"/documents/{big['id']}").json()
            results[f"{label}_big_document_status_after_questions"] = f"{still['status']} {still['progress']:.0f}%"
    finally:
        services.stop(web)
        services.stop(worker)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=5)
    parser.add_argument("--skip-gemma", action="store_true")
    args = parser.parse_args()
    results: dict = {}
    tiny = ROOT / "var" / "models" / "tiny-test.gguf"
    run(str(tiny), "tiny", args, results)
    print(json.dumps(results), flush=True)
    if not args.skip_gemma:
        run("", "gemma", args, results)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
