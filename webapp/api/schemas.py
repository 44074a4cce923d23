"""Request and response shapes of API v1 (they become the OpenAPI schema)."""

from django.conf import settings
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict

from webapp.documents.models import Document


class ChatIn(Schema):
    question: str = Field(..., description="the question, in any language")
    collection: str | int | None = Field(None, description="a collection name or id; default: all you may read")
    conversation_id: int | None = None
    stream: bool = False
    params: dict | None = Field(None, description="generation parameters: temperature, top_p, max_tokens, stop, …")
    profile: str | None = Field(None, description="a model profile name; default: the default profile")


class QuoteOut(Schema):
    """The sentence(s) of one source that best answer the question, verbatim: `text` is that passage's
    `text[start:end]` (offsets in Unicode code points). Shown before the generated answer."""

    n: int = Field(..., description="the source (citation number) it is taken from")
    text: str
    start: int
    end: int
    score: float = Field(..., description="how well it answers the question (0-1)")


class ReasonOut(BaseModel):
    """Why an answer was refused or is not confirmed: a code and its parameters (any other field is a parameter).
    A plain pydantic model: ninja's Schema reads fields through a getter that leaves undeclared ones out."""

    model_config = ConfigDict(extra="allow")
    code: str = Field(..., description=(
        "no_collections: the asker may read no collection; "
        "no_passages {collections}: nothing found in the collections searched (names); "
        "low_answerability {score, threshold, collections}: the closest passages do not answer the question "
        "(scores 0-1); "
        "unsupported_claims {claims, missing}: how many claims the support check could not tie to a passage, "
        "and the names/numbers the passages lack; "
        "empty_answer: the model wrote nothing usable; "
        "model_unavailable: no model, the passages are shown instead"
    ))


class CitationOut(BaseModel):
    """A source of an answer: the passage as it was when the answer was written (a snapshot), with the support
    check's verdict; any other field the answer event carries passes through (extra="allow", as ReasonOut)."""

    model_config = ConfigDict(extra="allow")
    n: int = Field(..., description="the number the answer cites it by, [n]")
    document_id: int | None = Field(None, description="the document it was taken from")
    title: str = ""
    text: str = Field("", description="the passage's text when the answer was written")
    weak: bool = Field(False, description="the support check found the sentences citing it poorly backed by it")
    weak_code: str = Field("", description=(
        "why it is weak, as a code: number_missing, name_missing, few_words or low_similarity; empty when not weak"
    ))
    weak_params: dict = Field(default_factory=dict, description=(
        "the code's parameters: {numbers: [...]}, {names: [...]}, {words: [...]} (the claim's, missing from the "
        "passage) or {similarity: 0.31}"
    ))
    weak_reason: str = Field("", description="the same in English words, for people")
    document_deleted: bool = Field(False, description=(
        "the document has been deleted since: `document_id` no longer names a document, and `text` is only the "
        "answer's copy of the passage"
    ))


OUTCOME_HELP = (
    "answered: shown as the answer; refused: the documents do not answer it (`answer` says so, `sources` are the "
    "closest passages, not support); unconfirmed: the model's text could not be tied to the passages; "
    "empty for an answer that ended without one (stopped)"
)


class ChatOut(Schema):
    answer: str = Field(
        ..., description="the answer's text; for a refusal, a sentence saying the documents do not answer it"
    )
    citations: list[CitationOut] = Field(
        default_factory=list, description="the sources the answer cites, with the support check's verdict"
    )
    conversation_id: int
    message_id: int
    usage: dict = Field(default_factory=dict, description="token counts and timings")
    finish_reason: str | None = None
    outcome: str = Field("", description=OUTCOME_HELP)
    reasons: list[ReasonOut] = Field(default_factory=list, description="why it was refused or not confirmed")
    answerability: float | None = Field(
        None, description="how likely the passages found answer the question (0-1), decided before the model is called"
    )
    quote: QuoteOut | None = Field(None, description="the verbatim answer quote, when one was found")


class SearchIn(Schema):
    query: str
    collection: str | int | None = None
    k: int = Field(settings.SEARCH_TOP_K, description="passages to return (SEARCH_TOP_K unless given)")
    mode: str = Field("hybrid", description="hybrid (default), dense or sparse")


class DocumentOut(Schema):
    id: int
    title: str
    collection: str
    status: str
    stage: str
    progress: float
    error: str
    chunks: int
    pages: int | None
    warnings: list[str]


def document_out(document: Document) -> dict:
    return {
        "id": document.pk,
        "title": document.title,
        "collection": document.collection.name,
        "status": document.status,
        "stage": document.stage,
        "progress": document.progress,
        "error": document.error,
        "chunks": document.chunk_count,
        "pages": document.page_count,
        "warnings": document.warnings or [],
    }


def chat_out(done: dict) -> dict:
    """The non-streamed answer from its `done` event; an event from before outcomes existed reads as no outcome.
    Reads the database: a cited document deleted since the event was written is marked `document_deleted`."""
    fields = ("answer", "citations", "conversation_id", "message_id", "usage", "finish_reason")
    return {
        **{key: done.get(key) for key in fields},
        "citations": citations_out(done.get("citations") or []), "usage": done.get("usage") or {},
        "outcome": done.get("outcome") or "", "reasons": done.get("reasons") or [],
        "answerability": done.get("answerability"), "quote": done.get("quote") or None,
    }


def citations_out(citations: list[dict]) -> list[dict]:
    """`citations` each with `document_deleted`: true when its document is gone (or it never named one)."""
    ids = {c.get("document_id") for c in citations} - {None}
    existing = set(Document.objects.filter(pk__in=ids).values_list("pk", flat=True)) if ids else set()
    return [{**c, "document_deleted": c.get("document_id") not in existing} for c in citations]
