"""Acervo's MCP tools: search passages, ask a question, list collections, for the token's owner only.

Each tool does what an /api/v1 endpoint does through the same services and selectors (permissions live there,
not here): `search` is POST /api/v1/search, `ask` is POST /api/v1/chat without streaming, `list_collections`
is what the owner may read. Results are typed (pydantic models), so the client gets an output schema and
structured content beside the JSON text. A service's AppError becomes the tool's error with its message.
Django's ORM is synchronous: each call runs in a worker thread and closes its database connection there.
"""

from collections.abc import Callable

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections
from mcp.server.fastmcp import Context, FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import BaseModel, Field

from webapp.errors import AppError

# The token the ASGI guard (webapp.mcp_server.app) found, in the request's scope.
TOKEN_KEY = "acervo.api_token"

INSTRUCTIONS = (
    "Acervo answers from a company's own documents. Use `search` to find passages (with document, page and a "
    "link), `ask` for an answer written from the documents with numbered citations, and `list_collections` to "
    "see which collections you may read (pass a name or id as `collection` to narrow the others)."
)

server = FastMCP(
    "Acervo", instructions=INSTRUCTIONS, streamable_http_path="/mcp",
    # One request, one answer, no session kept between requests: any worker process can serve any call.
    stateless_http=True, json_response=True,
    # Every request needs a bearer token, which a page rebinding DNS to this host cannot have; the Host header
    # is Django's concern (ALLOWED_HOSTS) and the SDK's own check would refuse every name but localhost.
    transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
)


class Passage(BaseModel):
    title: str = Field(description="the document's title")
    document_id: int
    page: int | None = Field(None, description="the page the passage is on, when the format has pages")
    location: str = Field("", description="where in the document: page, sheet, slide or section")
    text: str = Field(description="the passage's text")
    score: float | None = Field(None, description="relevance, higher is better")
    url: str = Field(description="the passage highlighted in the document's page (needs a signed-in browser)")
    original_url: str = Field(description="the original file (needs a signed-in browser)")


class SearchResult(BaseModel):
    query: str
    passages: list[Passage]


class Citation(Passage):
    n: int = Field(description="the number the answer cites it by, [n]")
    weak: bool = Field(False, description="the support check found the sentences citing it poorly backed by it")


class Answer(BaseModel):
    answer: str = Field(description="the answer; for a refusal, a sentence saying the documents do not answer it")
    outcome: str = Field(description="answered, refused (the documents do not answer it) or unconfirmed")
    citations: list[Citation]
    conversation_id: int
    message_id: int


class CollectionInfo(BaseModel):
    id: int
    name: str
    description: str
    documents: int = Field(description="documents in it")


def _orm(function: Callable) -> Callable:
    """`function` in a worker thread with a fresh database connection, closed afterwards."""

    def run(*args, **kwargs):
        close_old_connections()
        try:
            return function(*args, **kwargs)
        finally:
            connections.close_all()

    return sync_to_async(run, thread_sensitive=False)


def _caller(ctx: Context):
    request = ctx.request_context.request
    return request.scope[TOKEN_KEY].user, str(request.base_url).rstrip("/")


def _with_links(base: str, passages: list[dict]) -> list[dict]:
    """Each passage with the address of its place in the document page and of the original file."""
    from webapp.documents.models import Chunk

    ordinals = dict(Chunk.objects.filter(pk__in=[p.get("chunk_id") for p in passages]).values_list("pk", "ordinal"))
    linked = []
    for p in passages:
        ordinal = ordinals.get(p.get("chunk_id"))
        anchor = f"?chunk={ordinal}#text-heading" if ordinal is not None else ""
        linked.append({**p, "url": f"{base}/documents/{p['document_id']}/{anchor}",
                       "original_url": f"{base}/documents/{p['document_id']}/original"})
    return linked


def _search(user, base: str, query: str, collection, limit: int | None) -> SearchResult:
    from webapp.chat.search import passages_search

    passages = passages_search(user=user, query=query, collection=collection, k=limit)
    return SearchResult(query=query, passages=[Passage(**p) for p in _with_links(base, passages)])


def _collections(user) -> list[CollectionInfo]:
    from django.db.models import Count

    from webapp.accounts.selectors import collections_readable_by

    rows = collections_readable_by(user).annotate(document_count=Count("documents", distinct=True)).order_by("name")
    return [CollectionInfo(id=c.pk, name=c.name, description=c.description, documents=c.document_count) for c in rows]


async def _calling(function: Callable, *args):
    try:
        return await _orm(function)(*args)
    except AppError as exc:
        raise ToolError(exc.message) from exc


@server.tool()
async def search(ctx: Context, query: str, collection: str | None = None, limit: int | None = None) -> SearchResult:
    """Passages of the documents you may read that match `query` (words or a question), best first, each with
    its document's title, page and a link. `collection`: a collection name or id (default: all you may read);
    `limit`: how many passages (default 8, at most 50)."""
    user, base = _caller(ctx)
    return await _calling(_search, user, base, query, collection, limit)


@server.tool()
async def ask(ctx: Context, question: str, collection: str | None = None) -> Answer:
    """An answer to `question` written only from the documents you may read, citing its sources as [n]; when the
    documents do not answer it, it says so (outcome `refused`) instead of guessing. `collection`: a collection
    name or id (default: all you may read). Slower than `search`: a model writes the answer."""
    from webapp.api.schemas import chat_out
    from webapp.chat import services
    from webapp.chat.relay import collect_answer

    user, base = _caller(ctx)
    message = await _calling(lambda: services.question_ask(user=user, question=question, collection=collection))
    done = await collect_answer(message.pk, timeout_s=message.params["timeout"] + 60)
    if done["event"] == "error":
        raise ToolError(done.get("message", "The answer failed."))
    out = await _orm(chat_out)(done)
    citations = await _orm(_with_links)(base, out["citations"])
    return Answer(answer=out["answer"] or "", outcome=out["outcome"], conversation_id=out["conversation_id"],
                  message_id=out["message_id"], citations=[Citation(**c) for c in citations])


@server.tool()
async def list_collections(ctx: Context) -> list[CollectionInfo]:
    """The collections you may read: id, name, description and how many documents each holds."""
    user, _ = _caller(ctx)
    return await _calling(_collections, user)
