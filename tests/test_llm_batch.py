"""Many answers at once: llama.cpp's llama-server (built by scripts/llama_server.sh, as make run starts it) with
parallel slots, serving the tiny GGUF on loopback, asked through our `OpenAICompatibleLLM`.

Skipped, with the reason, where the binary has not been built (make install builds it; it takes ~10 min once).
"""

import json
import subprocess
import threading
import time

import httpx
import pytest

from retrieval.llm import OpenAICompatibleLLM
from retrieval.testmodel import CHAT_TEMPLATE
from retrieval.types import GenerationParams
from tests import services

SLOTS, CTX = 4, 2048
PROMPT = [("Fontes:\n[1] Férias\nTodo colaborador tem direito a 30 dias de férias.\n\nPergunta: Quantos dias?\nResposta:", False)]
LONG = 1500  # tokens: long enough that answers started together are still being written when the last one starts
CANCELLED = 1777  # an answer's max_tokens no other test uses: its slot is found by it


def built_server() -> str | None:
    found = subprocess.run(["bash", "scripts/llama_server.sh", "--cached"], cwd=services.ROOT, capture_output=True,
                           text=True)
    return found.stdout.split()[-1] if found.returncode == 0 and found.stdout.strip() else None


@pytest.fixture(scope="module")
def batch_server(tiny_model_path, tmp_path_factory):
    """(url, log path): the log says what llama-server did with each request."""
    binary = built_server()
    if binary is None:
        pytest.skip("llama-server is not built on this machine: `bash scripts/llama_server.sh` (or make install) builds it")
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    port = services.free_port()
    command = [binary, "-m", str(tiny_model_path), "--host", "127.0.0.1", "--port", str(port), "--parallel", str(SLOTS),
               "--cont-batching", "-c", str(SLOTS * CTX), "--no-webui", "-t", "1"]
    process = subprocess.Popen(command, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        services.wait_until(lambda: _healthy(url) or process.poll() is not None, timeout=60, what="llama-server",
                            log_path=log)
        assert process.poll() is None, log.read_text()[-3000:]
        yield url, log
    finally:
        services.stop(process)


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/health", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def client(url: str) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(url, model="tiny", api_key="", n_ctx=CTX, ask_context=True)


def slots(url: str) -> list[dict]:
    return httpx.get(f"{url}/slots", timeout=5).json()


def busy_slots(url: str) -> list[dict]:
    return [slot for slot in slots(url) if slot["is_processing"]]


def test_answers_started_together_are_written_together(batch_server):
    llm = client(batch_server[0])
    llm.tokenize("which tokenizer")  # as the worker does before generating: it learns it talks to llama-server
    spans: list[list[float]] = [[] for _ in range(SLOTS)]
    ends: list[str | None] = [None] * SLOTS
    barrier = threading.Barrier(SLOTS)

    def answer(i: int) -> None:
        barrier.wait()
        for piece in llm.stream(PROMPT, GenerationParams(max_tokens=LONG, temperature=1.0, seed=i)):
            if piece.text:
                spans[i].append(time.perf_counter())
            ends[i] = piece.finish_reason or ends[i]

    threads = [threading.Thread(target=answer, args=(i,)) for i in range(SLOTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert ends == ["length"] * SLOTS
    assert all(len(times) == LONG for times in spans)
    # One at a time, the last answer's first token would come after the first answer's last one.
    assert max(times[0] for times in spans) < min(times[-1] for times in spans)


def test_closing_a_stream_stops_its_generation_on_the_server(batch_server):
    url, log = batch_server
    llm = client(url)
    stream = llm.stream(PROMPT, GenerationParams(max_tokens=CANCELLED, temperature=1.0))
    next(stream)

    stream.close()

    services.wait_until(lambda: not busy_slots(url), timeout=10, what="its slot freed")
    task = next(s for s in slots(url) if s.get("params", {}).get("n_predict") == CANCELLED)["id_task"]
    # llama-server's own account: the task was cancelled, and its slot released with the prompt and a few tokens.
    lines = log.read_text(errors="replace").splitlines()
    assert any(f"cancel task, id_task = {task}" in line for line in lines)
    released = [line for line in lines if f"| task {task} | stop processing" in line]
    assert released and int(released[-1].split("n_tokens = ")[1].split(",")[0]) < CANCELLED / 2
    assert list(llm.stream(PROMPT, GenerationParams(max_tokens=3)))[-1].finish_reason == "length"


def test_it_prompts_with_the_models_chat_template_and_keeps_the_prompt_cache(batch_server):
    llm = client(batch_server[0])
    sent = []
    llm.http.event_hooks["request"].append(lambda request: sent.append(request))
    llm.tokenize("which tokenizer")

    list(llm.stream(PROMPT, GenerationParams(max_tokens=2)))

    assert llm.chat_template == CHAT_TEMPLATE
    assert llm.n_ctx == CTX  # one slot's context, not the server's whole
    completion = next(request for request in sent if request.url.path == "/v1/completions")
    assert json.loads(completion.content)["cache_prompt"] is True
