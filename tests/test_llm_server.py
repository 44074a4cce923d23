"""The OpenAI-compatible backend against a real server: llama-cpp-python's own `llama_cpp.server` serving the
tiny GGUF on a loopback port, then the whole app (API → worker → server → SSE) with LLM_URL pointing at it.
"""

import json
import logging
import subprocess
import sys
import threading
import uuid
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from retrieval.llm import STREAM_CUT, ModelUnavailable, OpenAICompatibleLLM
from retrieval.prompt import build_prompt
from retrieval.types import GenerationParams, Passage
from tests import services
from tests.conftest import api_client, read_sse, wait_for_document

PROMPT = [("Fontes:\n[1] Férias\nTodo colaborador tem direito a 30 dias de férias.\n\nPergunta: Quantos dias?\nResposta:", False)]


@pytest.fixture(scope="module")
def llm_server(tiny_model_path, tmp_path_factory) -> str:
    log = tmp_path_factory.mktemp("llm-server") / "server.log"
    port = services.free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(tiny_model_path), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "2048"]
    process = subprocess.Popen(command, cwd=services.ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        services.wait_until(lambda: _serves(url) or process.poll() is not None, timeout=60, what="llama_cpp.server",
                            log_path=log)
        assert process.poll() is None, log.read_text()[-3000:]
        yield url
    finally:
        services.stop(process)


def _serves(url: str) -> bool:
    try:
        return httpx.get(f"{url}/v1/models", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def client(url: str) -> OpenAICompatibleLLM:
    return OpenAICompatibleLLM(url, model="tiny", api_key="", n_ctx=2048)


def generate(url: str, **params) -> list:
    return list(client(url).stream(PROMPT, GenerationParams(temperature=0, seed=1, **params)))


def test_it_streams_pieces_and_ends_with_a_finish_reason(llm_server):
    pieces = generate(llm_server, max_tokens=12)

    texts = [p.text for p in pieces if p.text]
    assert len(texts) > 1 and "".join(texts).strip()
    assert pieces[-1].finish_reason == "length"
    assert all(p.finish_reason is None for p in pieces[:-1])


def test_it_respects_max_tokens(llm_server):
    for max_tokens in (1, 5):
        pieces = generate(llm_server, max_tokens=max_tokens)
        assert 1 <= len([p for p in pieces if p.text]) <= max_tokens
        assert pieces[-1].finish_reason == "length"


def test_it_stops_before_a_stop_sequence(llm_server):
    full = "".join(p.text for p in generate(llm_server, max_tokens=24))
    stop = full[len(full) // 2 :][:3]  # greedy decoding: the same text comes again, so this will appear
    cut = full[: full.index(stop)]

    pieces = generate(llm_server, max_tokens=24, stop=[stop])

    assert "".join(p.text for p in pieces) == cut
    assert pieces[-1].finish_reason == "stop"


def test_closing_the_stream_frees_the_server_for_the_next_answer(llm_server):
    stream = client(llm_server).stream(PROMPT, GenerationParams(max_tokens=2000, temperature=0))
    next(stream)
    stream.close()

    pieces = generate(llm_server, max_tokens=3)

    assert pieces[-1].finish_reason == "length"


def test_a_server_error_becomes_model_unavailable_with_its_status(llm_server):
    broken = OpenAICompatibleLLM(f"{llm_server}/nowhere", model="tiny", api_key="", n_ctx=2048)

    with pytest.raises(ModelUnavailable, match="404"):
        list(broken.stream(PROMPT, GenerationParams(max_tokens=2)))


def test_a_prompt_too_long_for_the_servers_context_is_an_error_not_an_empty_answer(llm_server):
    # The server answers 200, then closes the stream without a finish reason when the prompt does not fit.
    too_long = [("Todo colaborador tem direito a trinta dias corridos de férias. " * 60, False)]

    with pytest.raises(ModelUnavailable) as raised:
        list(client(llm_server).stream(too_long, GenerationParams(max_tokens=8)))

    assert str(raised.value) == STREAM_CUT


COUNTED = "Todo colaborador tem direito a 30 dias corridos de férias por ano; pedidos até 15/03."


def test_it_counts_tokens_with_the_servers_own_tokenizer(llm_server, tiny_model_path):
    from llama_cpp import Llama

    vocab = Llama(model_path=str(tiny_model_path), vocab_only=True, verbose=False)

    tokens = client(llm_server).tokenize(COUNTED)

    assert tokens == vocab.tokenize(COUNTED.encode("utf-8"), add_bos=False, special=False)


def test_it_asks_the_server_once_per_text(llm_server):
    llm = client(llm_server)
    asked = []
    llm.http.event_hooks["request"].append(lambda request: asked.append(request.url.path))
    llm.tokenize("found which endpoint the server has")
    asked.clear()

    first = llm.tokenize(COUNTED)
    again = llm.tokenize(COUNTED)

    assert asked == ["/extras/tokenize"] and first == again


def test_a_prompt_counted_by_the_server_fits_its_context(llm_server):
    # The tiny model spends about a token per character: 4 characters per token would let this overflow.
    text = "Todo colaborador tem direito a trinta dias corridos de férias. " * 10
    passages = [Passage(n=n, chunk_id=n, document_id=1, collection_id=1, title=f"Doc {n}", text=text, page=None,
                        location="", heading_path="", char_start=0, char_end=len(text), score=1.0)
                for n in range(1, 7)]
    llm = client(llm_server)
    prompt = build_prompt(question="Quantos dias?", passages=passages, history=[], language="pt",
                          count_tokens=lambda t: len(llm.tokenize(t)), budget=llm.n_ctx - 8)

    pieces = list(llm.stream(prompt.segments, GenerationParams(max_tokens=8, temperature=0)))

    assert 0 < prompt.left_out < len(passages)
    assert pieces[-1].finish_reason == "length"


@contextmanager
def fake_server(routes: dict[str, dict]):
    """Fakes a server at the process boundary: it answers `routes` (path -> JSON, any method) and 404 to anything
    else, like an OpenAI-compatible server lacking the endpoints; it records the paths asked."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            asked.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            body = json.dumps(routes.get(self.path, {"error": "not found"})).encode()
            self.send_response(200 if self.path in routes else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", asked
    finally:
        server.shutdown()
        server.server_close()


def test_a_server_without_a_tokenize_endpoint_gets_the_approximation_logged_once(caplog):
    with fake_server({}) as (url, asked), caplog.at_level(logging.WARNING, logger="retrieval.llm_server"):
        llm = client(url)
        first = llm.tokenize("x" * 40)
        probed = list(asked)
        second = llm.tokenize("y" * 13)

    assert first == [0] * 10 and second == [0] * 3
    assert probed == ["/tokenize", "/tokenize", "/extras/tokenize"] and asked == probed
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "LLM_CONTEXT_SIZE" in warnings[0]


@pytest.mark.parametrize("routes, expected", [
    ({"/props": {"default_generation_settings": {"n_ctx": 8192}}}, 8192),  # llama-server
    ({"/v1/models": {"data": [{"id": "other", "max_model_len": 4096},
                              {"id": "tiny", "max_model_len": 32768}]}}, 32768),  # vLLM
    ({}, 1000),  # reports nothing: the configured size
])
def test_the_context_size_is_the_servers_own_unless_configured(routes, expected):
    with fake_server(routes) as (url, _):
        asked = OpenAICompatibleLLM(url, model="tiny", api_key="", n_ctx=1000, ask_context=True).n_ctx
        configured = OpenAICompatibleLLM(url, model="tiny", api_key="", n_ctx=1000).n_ctx

    assert asked == expected and configured == 1000


def test_llama_cpp_pythons_server_does_not_report_its_context_so_the_setting_stays(llm_server):
    assert OpenAICompatibleLLM(llm_server, model="tiny", api_key="", n_ctx=1000, ask_context=True).n_ctx == 1000


@pytest.fixture(scope="module")
def server_web(stack_env, llm_server, tmp_path_factory):
    """A worker and a web server whose LLM is the OpenAI-compatible server (their own index and Redis prefix)."""
    logs = tmp_path_factory.mktemp("llm-url")
    env = dict(stack_env, LLM_URL=llm_server, LLM_MODEL="tiny", INDEX_PATH=str(logs / "index"),
               REDIS_KEY_PREFIX=f"acervo-llm-url-{uuid.uuid4().hex[:8]}:")
    worker = services.start_worker(env, logs / "worker.log", name="llm-url")
    port = services.free_port()
    web = services.start_web(env, logs / "web.log", port)
    base = f"http://127.0.0.1:{port}"
    try:
        services.wait_until(lambda: services.web_is_up(base), timeout=60, what="web")
        services.wait_until(lambda: httpx.get(f"{base}/readyz").json()["checks"]["llm"].startswith("server:"),
                            timeout=180, what="worker with LLM_URL", log_path=logs / "worker.log")
        yield base
    finally:
        services.stop(web)
        services.stop(worker)


@pytest.mark.django_db(transaction=True)
def test_the_app_streams_an_answer_generated_by_the_server(server_web, alice, handbook):
    text = b"# Vacation\n\nEvery employee is entitled to 30 calendar days of paid vacation per year.\n"
    with api_client(server_web, alice) as api:
        uploaded = api.post("/documents", files={"file": ("vacation.md", text, "text/markdown")},
                            data={"collection": "handbook"}).json()
        document = wait_for_document(uploaded["id"])
        assert document.status == "indexed", document.error
        with api.stream("POST", "/chat", json={"question": "How many vacation days?", "stream": True,
                                               "params": {"max_tokens": 6, "temperature": 0}}) as response:
            events = read_sse(response)

    names = [name for _, name, _ in events if name != "queued"]
    assert names[0] == "sources" and names[-1] == "done" and set(names[1:-1]) <= {"token", "quote"}
    assert "token" in names and ("quote" not in names or names.index("quote") == 1)
    done = events[-1][2]
    assert done["finish_reason"] == "length"
    assert 1 <= done["usage"]["completion_tokens"] <= 6
    assert done["sources"][0]["document_id"] == document.pk
