"""Request and response shapes of API v1 (they become the OpenAPI schema)."""

import dataclasses
from typing import Literal

from django.conf import settings
from ninja import Field, Schema
from pydantic import BaseModel, ConfigDict, create_model, model_serializer

from retrieval.contracts import payloads
from webapp.chat.params import GenerationParamsIn
from webapp.chat.search import MAX_K, MODES
from webapp.documents import failures
from webapp.documents.models import Document
from webapp.documents.warnings import warning_codes, warnings_in_words

# A streamed answer (`stream: true`, or a resumed stream) is text/event-stream; the schema is one event's.
SSE_EVENTS = ["queued", "sources", "quote", "token", "done", "error"]
EVENT_STREAM = {"responses": {200: {"content": {"text/event-stream": {"schema": {
    "type": "object", "description": "one Server-Sent Event: queued?, sources, quote?, token…, then done or error",
    "required": ["event", "data"],
    "properties": {
        "event": {"type": "string", "enum": SSE_EVENTS},
        "data": {"type": "string", "description": "the event's fields as JSON (done: as the JSON response)"},
        "id": {"type": "string", "description": "send it back as Last-Event-ID to resume after this event"},
    },
}}}}}}


class CancelOut(Schema):
    message_id: int
    cancelled: bool


class ChatIn(Schema):
    question: str = Field(..., description="the question, in any language")
    collection: str | int | None = Field(None, description="a collection name or id; default: all you may read")
    conversation_id: int | None = None
    stream: bool = Field(False, strict=True, description="true: answer with Server-Sent Events (see below)")
    params: GenerationParamsIn | None = Field(None, description=(
        "generation parameters, each within its range (a model profile may narrow a range: 400 naming the field)"
    ))
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


class _Extra(BaseModel):
    """Any other field passes through (a plain pydantic model: ninja's Schema leaves undeclared ones out)."""

    model_config = ConfigDict(extra="allow")


class _Sparse(BaseModel):
    """A record whose unset fields are left out of the response, as the worker leaves them out of its events;
    any other field the worker adds passes through."""

    model_config = ConfigDict(extra="allow")

    @model_serializer(mode="wrap")
    def _without_nulls(self, handler):
        return {key: value for key, value in handler(self).items() if value is not None}


class WeakParamsOut(_Sparse):
    """The parameters of a citation's weak_code: which of them is set depends on the code."""

    numbers: list[str] | None = Field(None, description="number_missing: the claim's numbers the passage lacks")
    names: list[str] | None = Field(None, description="name_missing: the claim's names the passage lacks")
    words: list[str] | None = Field(None, description="few_words: the claim's words the passage lacks")
    similarity: float | None = Field(None, description="low_similarity: the claim's similarity to the passage (0-1)")


class EvidenceOut(_Sparse):
    """The answerability judge's features (each 0-1)."""

    coverage: float | None = None
    sentence_coverage: float | None = None
    passage_coverage: float | None = None
    names: float | None = None
    similarity: float | None = None
    agree: float | None = None
    rare_coverage: float | None = None


def _optional(payload: type, names, overrides: dict) -> dict:
    """Pydantic fields for `names` of a payload (retrieval.contracts.payloads) with its types and descriptions, each
    optional: None when absent, or the payload's own default."""
    defaults = {f.name: f.default for f in dataclasses.fields(payload)} if dataclasses.is_dataclass(payload) else {}
    fields = {}
    for name in names:
        hint, description = payloads.described(payload)[name]
        default = defaults.get(name, dataclasses.MISSING)
        field = Field(None if default is dataclasses.MISSING else default, description=description or None)
        fields[name] = (overrides.get(name, hint | None), field)
    return fields


UsageOut = create_model(
    "UsageOut", __base__=_Sparse, __doc__=payloads.Usage.__doc__,
    **_optional(payloads.Usage, payloads.Usage.__annotations__, {"answerability": EvidenceOut | None}),
)

CitationOut = create_model(
    "CitationOut", __base__=_Extra,
    __doc__=f"{payloads.Citation.__doc__} Any other field the answer event carries passes through.",
    **{
        **_optional(payloads.Citation, payloads.EVENT_FIELDS, {}),
        "n": (int, Field(..., description=payloads.described(payloads.Citation)["n"][1])),
        "weak_params": (WeakParamsOut, Field(default_factory=WeakParamsOut,
                                             description=payloads.described(payloads.Citation)["weak_params"][1])),
        "document_deleted": (bool, Field(False, description=(
            "the document has been deleted since: `document_id` no longer names a document, and `text` is only the "
            "answer's copy of the passage"
        ))),
    },
)


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
    usage: UsageOut = Field(default_factory=UsageOut, description="token counts and timings")
    finish_reason: str | None = None
    outcome: str = Field("", description=OUTCOME_HELP)
    reasons: list[ReasonOut] = Field(default_factory=list, description="why it was refused or not confirmed")
    answerability: float | None = Field(
        None, description="how likely the passages found answer the question (0-1), decided before the model is called"
    )
    quote: QuoteOut | None = Field(None, description="the verbatim answer quote, when one was found")


class SearchIn(Schema):
    query: str = Field(..., description="words or a question")
    collection: str | int | None = Field(None, description="a collection name or id; default: all you may read")
    k: int = Field(settings.SEARCH_TOP_K, ge=1, le=MAX_K, description="passages to return (SEARCH_TOP_K unless given)")
    mode: Literal[MODES] = Field("hybrid", description="hybrid (default), dense or sparse")


class PassageOut(Schema):
    n: int = Field(..., description="rank, from 1")
    chunk_id: int
    document_id: int
    title: str = Field(..., description="the document's title")
    text: str
    page: int | None = Field(None, description="the page it is on, for formats with pages")
    location: str = Field("", description="where in the document: page, sheet, slide or section, in words")
    heading_path: str = Field("", description="the headings above it")
    char_start: int = Field(..., description="where it starts in the document's extracted text")
    char_end: int
    score: float = Field(..., description="relevance, higher is better")
    modes: list[str] = Field(default_factory=list, description="which searches found it: dense, sparse")


class SearchOut(Schema):
    query: str
    passages: list[PassageOut]


class DocumentOut(Schema):
    id: int
    title: str
    collection: str = Field(..., description="the collection's name")
    status: str = Field(..., description="queued, processing, indexed or failed")
    stage: str = Field(..., description="the ingestion step it is at, while processing")
    progress: float = Field(..., description="0-1")
    error: str = Field(..., description=(
        "why it failed and what to do, for a person, in the request's language (Accept-Language: en, pt-BR); "
        "empty unless failed"))
    error_code: str = Field("", description=(
        "why it failed, as a stable code: encrypted, corrupt, empty, unsupported, too_large, converter_missing, "
        "time_limit, worker_crashed, model_unavailable, original_missing, internal_error, gave_up; empty unless "
        "failed (and for documents failed before codes existed)"))
    error_detail: str = Field("", description="the technical detail, in English (which page, which library error)")
    chunks: int
    pages: int | None
    warnings: list[str] = Field(..., description=(
        "what was skipped or may be wrong in the text read (a page that could not be read, a scan read with low "
        "confidence), for a person, in the request's language (Accept-Language: en, pt-BR)"))
    warning_codes: list[str] = Field(default_factory=list, description=(
        "the same warnings, in the same order, as stable codes: pages_missing, page_unreadable, page_needs_ocr, "
        "page_no_text, page_ocr_timeout, ocr_low_confidence, slide_unreadable, part_unreadable, pictures_not_read, "
        "pictures_capped, picture_ocr_timeout, attachment_skipped, more_warnings; empty for a warning stored "
        "before codes existed"))
    duplicate: bool = Field(False, description=(
        "an upload only: the collection already had this content, and this is that document (status 200, not 202)"
    ))


def document_out(document: Document, *, duplicate: bool = False) -> dict:
    return {
        "duplicate": duplicate,
        "id": document.pk,
        "title": document.title,
        "collection": document.collection.name,
        "status": document.status,
        "stage": document.stage,
        "progress": document.progress,
        **_failure(document),
        "chunks": document.chunk_count,
        "pages": document.page_count,
        "warnings": warnings_in_words(document.warnings),
        "warning_codes": warning_codes(document.warnings),
    }


def _failure(document: Document) -> dict:
    if document.status != Document.Status.FAILED:
        return {"error": "", "error_code": "", "error_detail": ""}
    failure = failures.explain(document)
    return {"error": failure["message"], "error_code": failure["code"], "error_detail": document.error}


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
