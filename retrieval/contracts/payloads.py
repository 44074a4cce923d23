"""The answer's payloads, each defined once: what the worker writes and the web shows, sends and documents.

- `Citation`: a source of an answer. The worker stores it as a `webapp.chat.models.Citation` row
  (`as_row_fields`) and sends it in the `done` event (`to_event`); the page data (`webapp.chat.page_data.source`)
  and the API's `CitationOut` (`webapp.api.schemas`) are built from it.
- `Usage`: an answer's token counts and timings: `Message.usage`, the `done` event's `usage`, the API's `UsageOut`,
  the usage rows and the figures all read these keys.

Field descriptions are written once, here (`Annotated[type, "description"]`), and become the API schema's.
"""

import dataclasses
from dataclasses import dataclass, field
from typing import Annotated, Any, TypedDict, get_args, get_type_hints


class Usage(TypedDict, total=False):
    """Token counts and timings of one answer; a key is absent when its step did not run."""

    queue_wait_ms: Annotated[float, "time waiting for a worker"]
    retrieval_ms: float
    judge_ms: Annotated[float, "time deciding whether the passages answer the question"]
    answerability: Annotated[dict[str, float], "the answerability judge's features (each 0-1)"]
    prompt_tokens: int
    passages_left_out: Annotated[int, "passages that did not fit the model's context"]
    prompt_ms: float
    ttft_ms: Annotated[float, "time to the first token"]
    first_visible_ms: Annotated[float, "time to the first text a reader sees"]
    completion_tokens: int
    tokens_per_s: float | None
    dropped_markers: Annotated[int, "citation markers removed: they named no passage"]
    attributed_citations: int
    model_error: Annotated[str, "why no model could answer (outcome search_only)"]


@dataclass(frozen=True)
class Citation:
    """A source of an answer: the passage as it was when the answer was written (a snapshot, so an old answer keeps
    its sources after documents change), with the support check's verdict on the sentences that cite it."""

    n: Annotated[int, "the number the answer cites it by, [n]"]
    chunk_id: int | None
    document_id: Annotated[int | None, "the document it was taken from"]
    title: str
    text: Annotated[str, "the passage's text when the answer was written"]
    page: int | None
    location: Annotated[str, "where in the document: page, sheet, slide or section, in words"]
    heading_path: str
    char_start: Annotated[int, "where it starts in the document's extracted text"]
    char_end: int
    score: float
    cited: Annotated[bool, "the answer refers to it with [n]"] = False
    support: Annotated[float | None, "how well the sentences citing it are backed by it (0-1)"] = None
    weak: Annotated[bool, "the support check found the sentences citing it poorly backed by it"] = False
    weak_reason: Annotated[str, "the same in English words, for people"] = ""
    weak_code: Annotated[str, (
        "why it is weak, as a code: number_missing, name_missing, few_words or low_similarity; empty when not weak"
    )] = ""
    weak_params: Annotated[dict[str, Any], (
        "the code's parameters: {numbers: [...]}, {names: [...]}, {words: [...]} (the claim's, missing from the "
        "passage) or {similarity: 0.31}"
    )] = field(default_factory=dict)
    attributed: Annotated[bool, (
        "the model did not cite it: Acervo matched an uncited sentence to this passage"
    )] = False

    @classmethod
    def of(cls, row: Any) -> "Citation":
        """From anything with these attributes: a `webapp.chat.models.Citation` row."""
        return cls(**{f.name: getattr(row, f.name) for f in dataclasses.fields(cls)})

    def as_row_fields(self) -> dict[str, Any]:
        """Every field, as the row's columns are named."""
        return dataclasses.asdict(self)

    def to_event(self) -> dict[str, Any]:
        """As the `done` event names the answer's citations (its `sources` carry the passages' rank data)."""
        return {name: getattr(self, name) for name in EVENT_FIELDS}


# The `done` event's citation: the passage's identity and place, and the support check's verdict.
EVENT_FIELDS = ("n", "document_id", "title", "chunk_id", "text", "page", "location", "char_start", "char_end",
                "support", "weak", "weak_reason", "weak_code", "weak_params", "attributed")


def described(payload: type) -> dict[str, tuple[Any, str]]:
    """Each field of a payload class with its type and its description ("" when it has none)."""
    found = {}
    for name, hint in get_type_hints(payload, include_extras=True).items():
        args = get_args(hint) if getattr(hint, "__metadata__", None) else ()
        found[name] = (args[0], args[1]) if args else (hint, "")
    return found
