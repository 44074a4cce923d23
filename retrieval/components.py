"""Process-wide components of the worker: the index, the embedding model and the LLM.

Each is created once per process on first use (never at import time, never in the web process) and
chosen from settings in one place. The embedded index can be opened by one process only, which is why
only the worker calls these.

Which index and which embedding model answer is the database's to say: the active index version
(`webapp.documents.index_versions`), read on every call so that a switch made by any worker is seen at once (the
one exception, the model that sizes an ingest's chunks, may lag a few seconds: `sizing_embedder`).
EMBEDDING_MODEL is the model wanted; when it differs from the active version's, a build makes a new version in
the background (`ingestion.rebuild`) while searches go on with the active one.
"""

import threading
import time
from functools import cache
from typing import Any

from django.conf import settings

_lock = threading.RLock()  # indexes are opened, and embedders loaded, under the same lock
_open_indexes: dict[str, Any] = {}  # collection name → its open index, for every version this process used


@cache
def _embedder(name: str):
    from retrieval.embedding import Embedder

    return Embedder(name, batch_size=settings.EMBEDDING_BATCH_SIZE, threads=settings.EMBEDDING_THREADS)


def embedder_for(model: str):
    """The embedding model `model`, loaded once per process. Raises EmbeddingModelError if it cannot be loaded."""
    with _lock:
        return _embedder(model)


def active_version():
    """The active index version; on a fresh install (or one from before versions) EMBEDDING_MODEL's collection is
    adopted as it, under the name it always had."""
    from retrieval.index import collection_name
    from webapp.documents.models import IndexVersion

    version = IndexVersion.objects.active()
    if version is None:
        embedder = embedder_for(settings.EMBEDDING_MODEL)
        version = IndexVersion.objects.adopt(model=embedder.name, dim=embedder.dim,
                                             collection=collection_name(embedder.name, embedder.dim))
    return version


def get_embedder():
    """The active version's embedding model: a question is embedded by the model that made the vectors searched."""
    return embedder_for(active_version().model)


SIZING_RECENT_S = 5.0
_last_active: tuple[float, Any] | None = None  # (time.monotonic(), the active version) as live_versions() last read it


def sizing_embedder():
    """The active version's embedding model for sizing chunks (its tokenizer and token limit), as this process's
    last `live_versions()` read it if that was under SIZING_RECENT_S ago, else read now.

    Ingesting a stream of documents, this spares each one a query: the previous one's embedding read the versions a
    moment ago. Only the sizing may lag (by SIZING_RECENT_S at most) behind a switch that another worker made; where
    vectors go is read afresh for every batch (`live_versions`), and questions read the active version on every call.
    Sizing could already lag by the parse's length (the switch may come between the parse and the embedding), and the
    chunks of a new document that are sized for the previous model are only cut a little shorter or longer than the
    new model's limit.
    """
    last = _last_active
    if last is not None and time.monotonic() - last[0] < SIZING_RECENT_S:
        return embedder_for(last[1].model)
    return get_embedder()


def index_of(version):
    """The open index of `version` (an `IndexVersion` with its collection and dimension)."""
    from retrieval.index import open_index

    with _lock:
        index = _open_indexes.get(version.collection)
        if index is None:
            index = open_index(name=version.collection, dim=version.dim, url=settings.QDRANT_URL,
                               api_key=settings.QDRANT_API_KEY, path=settings.INDEX_PATH)
            _open_indexes[version.collection] = index
        return index


def get_index():
    """The active version's index: the one searches read."""
    return index_of(active_version())


def active_pair():
    """(index, embedder) of the active version, read once: a switch between two reads cannot pair one version's
    index with another's model."""
    version = active_version()
    return index_of(version), embedder_for(version.model)


def live_versions() -> list:
    """[(version, index, embedder)] for the active version and a build under way: where new chunks are indexed and
    from where deleted ones are removed. The active one first."""
    from webapp.documents.index_versions import ACTIVE
    from webapp.documents.models import IndexVersion

    global _last_active
    live = list(IndexVersion.objects.live())  # one query per batch of chunks, not two: it runs for every document
    active = next((v for v in live if v.state == ACTIVE), None) or active_version()
    _last_active = (time.monotonic(), active)
    building = [v for v in live if v.pk != active.pk]
    return [(v, index_of(v), embedder_for(v.model)) for v in (active, *building)]


def drop_index(version) -> None:
    """Delete the collection of `version` (retired: no search uses it any more) and forget it here."""
    with _lock:
        index = index_of(version)  # opened if this process never searched it: it is dropped through its client
        _open_indexes.pop(version.collection, None)
    index.drop()
    index.close()


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
    """Release the index folders' locks so another process (or a test) can open them."""
    with _lock:
        indexes = list(_open_indexes.values())
        _open_indexes.clear()
    for index in indexes:
        index.close()
