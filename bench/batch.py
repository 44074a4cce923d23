"""Many people asking at once: 1, 4 and 8 simultaneous answers, in-process llama.cpp next to llama-server's slots.

Each level runs waves of that many answers started together (threads behind a barrier, as the worker's answer
threads are), until --answers answers are done; every answer has its own question and passages, so no answer
borrows another's prompt. Per level and path: time to the first visible token (p50, p95, from the wave's start:
what a person waits), answers per minute (answers / summed wave time), and the prompt tokens, the part that
dominates on CPU with retrieved passages.

- in-process: `LlamaCppLLM` in this process, as the worker has it (its lock: one answer at a time).
- llama-server: the binary scripts/llama_server.sh built, started as make run starts it (--parallel P
  --cont-batching, P x the per-answer context), asked through `OpenAICompatibleLLM` (cache_prompt, streaming).

The prompts are the worker's, built from the shared QA sets (ANSWER_PASSAGES passages, the question's own first):
the answer quote chosen as the worker chooses it, then what ANSWER_CONTEXT gives the model (`build_prompt`, the
model's chat template), so they are as long as a real answer's. By default (`quote`) the model reads the quote with a
sentence on each side; `ANSWER_CONTEXT=passages bench/answer.py --batch-only` measures whole passages.
"""

import json
import statistics
import subprocess
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
SHARED_QA = ROOT.parent / "shared" / "eval" / "qa"
LEVELS = (1, 4, 8)


def cases(count: int, passages: int = 3) -> list[tuple[str, list[dict], str]]:
    """(question, its passages, language): the gold passage first, then the next ones of its set."""
    from itertools import zip_longest

    by_set = []
    for name, language in (("en_xquad", "en"), ("pt_faquad", "pt")):
        corpus = [json.loads(line) for line in (SHARED_QA / name / "corpus.jsonl").open()]
        where = {row["doc_id"]: i for i, row in enumerate(corpus)}
        found = []
        for line in (SHARED_QA / name / "queries.jsonl").open():
            query = json.loads(line)
            gold = where.get(query["gold_doc_ids"][0])
            if gold is not None and gold not in {c[3] for c in found}:
                found.append((query["question"], [corpus[(gold + k) % len(corpus)] for k in range(passages)], language,
                              gold))
        by_set.append(found)
    mixed = [c[:3] for pair in zip_longest(*by_set) for c in pair if c]
    return mixed[:count]


def worker_passages(question: str, rows: list[dict], embedder) -> list:
    """What the worker's model reads of `rows`: the answer quote chosen as the worker chooses it, then ANSWER_CONTEXT's
    passages (by default the quote with a sentence on each side). The same for every path, so made once."""
    from retrieval.answer import passages_for_prompt
    from retrieval.answerability import assess, calibration_for
    from retrieval.types import Passage

    passages = [Passage(n=n, chunk_id=n, document_id=n, collection_id=0, title=r["title"], text=r["text"], page=None,
                        location="", heading_path="", char_start=0, char_end=len(r["text"]), score=1.0)
                for n, r in enumerate(rows, 1)]
    quote = assess(question, passages, embed=embedder.encode, calibration=calibration_for(embedder.name)).quote
    return passages_for_prompt(passages, quote)


def prompt_for(llm, question: str, passages: list, language: str, max_tokens: int):
    from retrieval.prompt import build_prompt

    return build_prompt(question=question, passages=passages, history=[], language=language,
                        count_tokens=lambda text: len(llm.tokenize(text)), budget=llm.n_ctx - max_tokens,
                        chat_template=llm.chat_template)


def wave(llm, prompts: list, params) -> tuple[float, list[float | None]]:
    """Start every prompt at once; (seconds until the last ends, seconds to each one's first visible text)."""
    from dataclasses import replace

    first: list[float | None] = [None] * len(prompts)
    barrier = threading.Barrier(len(prompts) + 1)

    def answer(i: int) -> None:
        barrier.wait()
        for piece in llm.stream(prompts[i].segments, replace(params, stop=prompts[i].stop)):
            if first[i] is None and piece.text.strip():
                first[i] = time.perf_counter() - started

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(len(prompts))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, first


def level(llm, prompts: list, at_once: int, params) -> dict:
    seconds, firsts = 0.0, []
    for start in range(0, len(prompts) - at_once + 1, at_once):
        took, first = wave(llm, prompts[start : start + at_once], params)
        seconds += took
        firsts += first
    shown = sorted(f for f in firsts if f is not None)
    return {
        "at_once": at_once, "answers": len(firsts), "without_text": len(firsts) - len(shown),
        "ttft_p50_s": round(statistics.median(shown), 2) if shown else None,
        "ttft_p95_s": round(_p95(shown), 2) if shown else None,
        "answers_per_min": round(len(firsts) / seconds * 60, 1),
    }


def _p95(values: list[float]) -> float:
    return values[0] if len(values) == 1 else statistics.quantiles(values, n=20, method="inclusive")[-1]


def run(paths: dict, items: list, answers: int, params, embedder) -> dict:
    """Every level with fresh questions (`answers` per level, the same ones for every path), the paths taking turns
    level by level: on a shared machine the load drifts, and turns spread the drift over both alike."""
    read = [(q, worker_passages(q, rows, embedder), lang) for q, rows, lang in items]
    prompts = {name: [prompt_for(llm, q, passages, lang, params.max_tokens) for q, passages, lang in read]
               for name, llm in paths.items()}
    result: dict = {name: {"describe": llm.describe(), "levels": []} for name, llm in paths.items()}
    for name, llm in paths.items():
        wave(llm, prompts[name][-1:], params)  # warm-up: first allocations, the instructions' cached prefix
    for i, at_once in enumerate(LEVELS):
        for name, llm in paths.items():
            result[name]["levels"].append(level(llm, prompts[name][i * answers : (i + 1) * answers], at_once, params))
    for name in paths:
        tokens = [p.tokens for p in prompts[name][: answers * len(LEVELS)]]
        result[name] |= {"prompt_tokens_median": statistics.median(tokens), "prompt_tokens_max": max(tokens)}
    return result


def start_server(binary: str, model: Path, *, parallel: int, ctx: int, log: Path) -> tuple[subprocess.Popen, str]:
    """llama-server as scripts/llm_serve.sh starts it, on a free loopback port."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [binary, "-m", str(model), "--host", "127.0.0.1", "--port", str(port), "--parallel", str(parallel),
               "--cont-batching", "-c", str(parallel * ctx), "--no-webui"]
    process = subprocess.Popen(command, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.kill()
    raise RuntimeError(f"llama-server did not start: {log.read_text()[-2000:]}")


def server_binary() -> str | None:
    found = subprocess.run(["bash", str(ROOT / "scripts" / "llama_server.sh"), "--cached"], capture_output=True,
                           text=True)
    return found.stdout.strip().splitlines()[-1] if found.returncode == 0 and found.stdout.strip() else None


def report(model: Path, *, answers: int, max_tokens: int, parallel: int, ctx: int, threads: int, log: Path) -> dict:
    """Both paths, one after the other (never side by side: they share the same 2 cores)."""
    import os

    from django.conf import settings

    from retrieval.embedding import Embedder
    from retrieval.llm import LlamaCppLLM, OpenAICompatibleLLM
    from retrieval.types import GenerationParams

    params = GenerationParams(max_tokens=max_tokens, temperature=0, seed=0)
    items = cases(answers * len(LEVELS) + 1)
    embedder = Embedder(settings.EMBEDDING_MODEL, batch_size=settings.EMBEDDING_BATCH_SIZE,
                        threads=settings.EMBEDDING_THREADS)
    result = {"load_before": os.getloadavg(), "max_tokens": max_tokens, "model": model.name,
              "answer_context": settings.ANSWER_CONTEXT}
    paths: dict = {"in_process": LlamaCppLLM(model, n_ctx=ctx, threads=threads, gpu_layers=0)}
    binary, process = server_binary(), None
    if binary is None:
        result["llama_server"] = "not built: bash scripts/llama_server.sh builds it"
    else:
        process, url = start_server(binary, model, parallel=parallel, ctx=ctx, log=log)
        paths["llama_server"] = OpenAICompatibleLLM(url, model="default", api_key="", n_ctx=ctx, ask_context=True)
    try:
        result |= run(paths, items, answers, params, embedder)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    if process is not None:
        result["llama_server"]["parallel"] = parallel
    result["load_after"] = os.getloadavg()
    return result


def print_table(result: dict) -> None:
    print(f"ANSWER_CONTEXT={result['answer_context']}: the model reads "
          + ("the answer quote with a sentence on each side" if result["answer_context"] == "quote"
             else "the passages, the quote's first"))
    for path in ("in_process", "llama_server"):
        figures = result.get(path)
        if not isinstance(figures, dict):
            print(f"{path}: {figures}")
            continue
        print(f"{path}: {figures['describe']} — prompt tokens median {figures['prompt_tokens_median']}, "
              f"max {figures['prompt_tokens_max']}")
        for row in figures["levels"]:
            print(f"  {row['at_once']} at once: first token p50 {row['ttft_p50_s']} s, p95 {row['ttft_p95_s']} s; "
                  f"{row['answers_per_min']} answers/min ({row['answers']} answers)", flush=True)
