"""What an OpenAI-compatible server can tell us beyond the completions API: its own token counts and its context.

The completions API has neither, so each server family's own endpoints are asked:

- llama.cpp's llama-server: `POST /tokenize {"content", "add_special"}`; `GET /props` → `default_generation_settings.n_ctx`
  (the context of one slot) and `model_path` (whose chat template we read, as in-process llama.cpp does)
- vLLM: `POST /tokenize {"model", "prompt", "add_special_tokens"}`; `GET /v1/models` → `data[].max_model_len`
- llama-cpp-python's `llama_cpp.server`: `POST /extras/tokenize {"input"}` (always adds BOS); no context size

A server with no tokenize endpoint is budgeted at about 4 characters per token, and that is logged once.
"""

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

log = logging.getLogger(__name__)
CHARS_PER_TOKEN = 4
# Statuses that mean "this server has no such endpoint, or does not take this body": try the next dialect.
NOT_THIS_DIALECT = {400, 404, 405, 422, 501}
NO_TOKENIZER = (
    "The LLM server at %s offers no tokenize endpoint (tried llama-server's and vLLM's /tokenize, "
    "llama-cpp-python's /extras/tokenize): prompts are budgeted at about 4 characters per token, which can "
    "overflow its context or waste it. Serve the model with llama-server, vLLM or llama_cpp.server, or set "
    "LLM_CONTEXT_SIZE well below the server's context to leave a margin."
)
NO_CONTEXT_SIZE = (
    "The LLM server at %s does not report its context size (llama-server's /props, vLLM's /v1/models): "
    "budgeting prompts for LLM_CONTEXT_SIZE=%d; set LLM_CONTEXT_SIZE to the server's context."
)


@dataclass(frozen=True)
class Dialect:
    """One server family's tokenize endpoint: where it is, and the body that asks it for `text` without BOS."""

    name: str
    path: str
    body: Callable[[str, str], dict]  # (text, model) -> request body
    adds_bos: bool = False  # it cannot be told not to; the tokens it adds to "" are cut from every answer


DIALECTS = (
    # llama-server goes first: it answers any body without "content" with 200 and no tokens at all.
    Dialect("llama-server", "/tokenize", lambda text, model: {"content": text, "add_special": False}),
    # vLLM rejects llama-server's body (no "prompt") with 400, so it is only taken with its own.
    Dialect("vLLM", "/tokenize", lambda text, model: {"model": model, "prompt": text, "add_special_tokens": False}),
    Dialect("llama-cpp-python", "/extras/tokenize", lambda text, model: {"input": text}, adds_bos=True),
)


class ServerTokenizer:
    """The server's own tokens for a text, so prompt budgets are counted the way the server will count them.

    The first call finds which dialect the server speaks (or that it speaks none) and remembers it; after
    that each new text costs one HTTP call and a repeated one (the instructions, every question) none.
    Transport errors and unexpected statuses propagate and are not remembered: the next call asks again.
    """

    def __init__(self, http: httpx.Client, *, model: str):
        self.http = http
        self.model = model
        self.dialect: Dialect | None = None
        self.probed = False
        self.bos: tuple[int, ...] = ()
        self._probe_lock = threading.Lock()
        self.tokens = functools.lru_cache(maxsize=256)(self._tokens)

    def _tokens(self, text: str) -> tuple[int, ...]:
        with self._probe_lock:
            if not self.probed:
                return self._probe(text)
        if self.dialect is None:
            return approximate(text)
        tokens = self._ask(self.dialect, text)
        return approximate(text) if tokens is None else self._cut_bos(tokens)

    def _probe(self, text: str) -> tuple[int, ...]:
        for dialect in DIALECTS:
            tokens = self._ask(dialect, text)
            if tokens is not None:
                self.bos = (self._ask(dialect, "") or ()) if dialect.adds_bos else ()
                self.dialect, self.probed = dialect, True
                log.info("counting prompt tokens with %s's tokenizer at %s", dialect.name, self.http.base_url)
                return self._cut_bos(tokens)
        self.probed = True
        log.warning(NO_TOKENIZER, self.http.base_url)
        return approximate(text)

    def _ask(self, dialect: Dialect, text: str) -> tuple[int, ...] | None:
        """The tokens the server answers, or None when it does not speak this dialect."""
        response = self.http.post(dialect.path, json=dialect.body(text, self.model))
        if response.status_code in NOT_THIS_DIALECT:
            return None
        response.raise_for_status()
        try:
            tokens = response.json().get("tokens")
        except (ValueError, AttributeError):
            return None
        if not isinstance(tokens, list) or not all(isinstance(t, int) for t in tokens):
            return None
        return tuple(tokens)

    def _cut_bos(self, tokens: tuple[int, ...]) -> tuple[int, ...]:
        return tokens[len(self.bos):] if self.bos and tokens[: len(self.bos)] == self.bos else tokens


def approximate(text: str) -> tuple[int, ...]:
    """Placeholder tokens, about one per 4 characters: for budgeting only, never sent anywhere."""
    return (0,) * max(1, len(text) // CHARS_PER_TOKEN)


def server_context_size(http: httpx.Client, *, model: str) -> int | None:
    """The context one request may use, as the server reports it; None when it does not say.

    Transport errors propagate, so an unreachable server is asked again rather than taken as silent.
    """
    props = _json(http, "/props") or {}
    settings = props.get("default_generation_settings")
    n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None  # llama-server: per slot
    if _positive(n_ctx):
        return n_ctx
    models = (_json(http, "/v1/models") or {}).get("data")
    if not isinstance(models, list):
        return None
    cards = [m for m in models if isinstance(m, dict)]
    card = next((m for m in cards if m.get("id") == model), cards[0] if cards else {})
    return card.get("max_model_len") if _positive(card.get("max_model_len")) else None  # vLLM


def server_chat_template(http: httpx.Client) -> str | None:
    """The chat template of the GGUF that a llama-server on this machine serves (`/props` → `model_path`), read from
    the file as in-process llama.cpp reads it, so both prompt the model alike; None when the server names no file
    here. `/props`' own `chat_template` is not taken: llama-server fills in ChatML for a model that has none, where
    in-process llama.cpp writes a completion prompt."""
    path = (_json(http, "/props") or {}).get("model_path")
    if not isinstance(path, str) or not path or not Path(path).is_file():
        return None
    return gguf_chat_template(Path(path))


def gguf_chat_template(path: Path) -> str | None:
    """Read with llama.cpp's vocabulary-only load, as in-process llama.cpp reads it: 0.4 s for Gemma 3 270M, where
    gguf's GGUFReader took 10 s (it maps every tensor) and made the first answer wait that long."""
    import llama_cpp

    return llama_cpp.Llama(model_path=str(path), vocab_only=True, verbose=False).metadata.get("tokenizer.chat_template")


def _json(http: httpx.Client, path: str) -> dict | None:
    response = http.get(path)
    if response.status_code != 200:
        return None
    try:
        data = response.json()
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _positive(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
