"""What flows through retrieval and answering."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SparseVector:
    indices: list[int]
    values: list[float]


@dataclass(frozen=True)
class IndexPoint:
    """One chunk in the index. `id` is deterministic from (document, version, ordinal)."""

    id: str
    dense: list[float]
    sparse: SparseVector
    document_id: int
    collection_id: int
    chunk_id: int
    ordinal: int
    version: int


@dataclass(frozen=True)
class Hit:
    """A search result before it is joined with the database. `modes` says which retrievers found it."""

    chunk_id: int
    document_id: int
    collection_id: int
    ordinal: int
    score: float
    modes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Passage:
    """A hit joined with its chunk: what the prompt numbers [n] and a citation points to."""

    n: int
    chunk_id: int
    document_id: int
    collection_id: int
    title: str
    text: str
    page: int | None
    location: str
    heading_path: str
    char_start: int
    char_end: int
    score: float
    modes: tuple[str, ...] = ()

    def as_event(self) -> dict:
        return {
            "n": self.n,
            "chunk_id": self.chunk_id,
            "document_id": self.document_id,
            "title": self.title,
            "text": self.text,
            "page": self.page,
            "location": self.location,
            "heading_path": self.heading_path,
            "char_start": self.char_start,
            "char_end": self.char_end,
            "score": round(self.score, 4),
        }


@dataclass
class GenerationParams:
    """The generation parameters, defined here once: the model profile's fields and defaults
    (webapp/chat/models.py), the callers' ranges and the API schema (webapp/chat/params.py RANGES, checked to cover
    every field) and both backends (`sampling()`) derive from it."""

    temperature: float = 0.0
    top_p: float = 0.95
    top_k: int = 40
    min_p: float = 0.05
    max_tokens: int = 256
    stop: list[str] = field(default_factory=list)
    frequency_penalty: float = 0.0
    presence_penalty: float = 0.0
    # 1.0 (none): llama-server counts the prompt's tokens in the penalty's window, so at 1.1 it penalised the very words
    # an answer quotes (its text held the gold answer 16% of the time against 39% in-process); at 1.0 both paths hold
    # it 38%, as in-process at 1.1 did (README, "Many people asking at once").
    repeat_penalty: float = 1.0
    seed: int | None = None
    timeout: float = 120.0

    def sampling(self) -> dict:
        """What a completion call takes, by the name llama-cpp-python's `create_completion` and the OpenAI-compatible
        servers' `/v1/completions` share (the timeout is ours, not the model's)."""
        return {
            "max_tokens": self.max_tokens, "temperature": self.temperature, "top_p": self.top_p, "top_k": self.top_k,
            "min_p": self.min_p, "stop": self.stop or None, "frequency_penalty": self.frequency_penalty,
            "presence_penalty": self.presence_penalty, "repeat_penalty": self.repeat_penalty, "seed": self.seed,
        }
