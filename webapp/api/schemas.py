"""Request and response shapes of API v1 (they become the OpenAPI schema)."""

from django.conf import settings
from ninja import Field, Schema

from webapp.documents.models import Document


class ChatIn(Schema):
    question: str = Field(..., description="the question, in any language")
    collection: str | int | None = Field(None, description="a collection name or id; default: all you may read")
    conversation_id: int | None = None
    stream: bool = False
    params: dict | None = Field(None, description="generation parameters: temperature, top_p, max_tokens, stop, …")
    profile: str | None = Field(None, description="a model profile name; default: the default profile")


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
