"""Process-wide components of the worker: the index, the embedding model and the LLM.

Each is created once per process on first use (never at import time, never in the web process) and
chosen from settings in one place. The embedded index can be opened by one process only, which is why
only the worker calls these.
"""

import threading
from functools import cache

from django.conf import settings

_lock = threading.RLock()  # get_index() loads the embedder under the same lock


@cache
def _embedder():
    from retrieval.embedding import Embedder

    return Embedder(
        settings.EMBEDDING_MODEL, batch_size=settings.EMBEDDING_BATCH_SIZE, threads=settings.EMBEDDING_THREADS
    )


def get_embedder():
    with _lock:
        return _embedder()


@cache
def _index():
    from retrieval.index import collection_name, open_index

    embedder = get_embedder()
    return open_index(
        name=collection_name(embedder.name, embedder.dim),
        dim=embedder.dim,
        url=settings.QDRANT_URL,
        api_key=settings.QDRANT_API_KEY,
        path=settings.INDEX_PATH,
    )


def get_index():
    with _lock:
        return _index()


@cache
def _llm(model_path: str, n_ctx: int, threads: int, gpu_layers: int):
    from retrieval.llm import load_llm

    return load_llm(model_path, n_ctx=n_ctx, threads=threads, gpu_layers=gpu_layers)


def get_llm(profile=None):
    """The LLM for a model profile (or the settings' default), loaded once per process and model;
    None in search-only mode (see `retrieval.llm.load_llm`)."""
    spec = (
        (profile.model_path, profile.context_size, profile.threads, profile.gpu_layers)
        if profile is not None and profile.model_path
        else ("", settings.LLM_CONTEXT_SIZE, settings.LLM_THREADS, settings.LLM_GPU_LAYERS)
    )
    with _lock:
        return _llm(*spec)


def close_all() -> None:
    """Release the index folder lock so another process (or a test) can open it."""
    if _index.cache_info().currsize:
        _index().close()
        _index.cache_clear()
