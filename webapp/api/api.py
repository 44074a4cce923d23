"""REST API v1: thin endpoints that parse input, call one service and serialize.

OpenAPI schema at /api/v1/openapi.json, interactive docs at /api/v1/docs: both for signed-in users only, the
docs page with Swagger UI from our own static files (django-ninja ships it; "ninja" is an installed app).
Every error is `{"error": {"code", "message", "details"?}}` with a fitting status.
"""


from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from ninja import File, Form, NinjaAPI, Query
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile

from webapp.access import decide, owned
from webapp.api.auth import BrowserSession, TokenAuth, require_scope
from webapp.api.error_schemas import errors
from webapp.api.schemas import (
    EVENT_STREAM,
    CancelOut,
    ChatIn,
    ChatOut,
    DocumentOut,
    SearchIn,
    SearchOut,
    chat_out,
    document_out,
)
from webapp.api.validation import validation_problem
from webapp.audit.context import surface_of
from webapp.chat import services as chat
from webapp.chat.relay import collect_answer, resume_cursor, sse_stream
from webapp.chat.search import passages_search
from webapp.documents import services as documents
from webapp.errors import AppError

api = NinjaAPI(
    title="Acervo API",
    version="1",
    urls_namespace="api-v1",
    auth=[TokenAuth(), BrowserSession()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=login_required,
)


def _error(request, status: int, code: str, message: str, details=None):
    return api.create_response(request, AppError(code, message, status, details).as_dict(), status=status)


@api.exception_handler(AppError)
def _app_error(request, exc: AppError):
    return exc.apply_headers(api.create_response(request, exc.as_dict(), status=exc.status))


@api.exception_handler(ValidationError)
def _validation_error(request, exc: ValidationError):
    problems = [validation_problem(e) for e in exc.errors]
    first = problems[0] if problems else {"field": "", "message": "The request is not valid."}
    code = "invalid_param" if first["field"].startswith("params.") else "invalid_request"
    return _error(request, 400, code, first["message"], {"field": first["field"], "errors": problems})


@api.exception_handler(AuthenticationError)
def _auth_error(request, exc):
    return _error(request, 401, "unauthorized", "Missing or invalid credentials: send 'Authorization: Bearer <token>'.")


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", "Not found.")


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _error(request, exc.status_code, "invalid_request" if exc.status_code == 400 else "error", str(exc))


@api.post("/documents", response={200: DocumentOut, 202: DocumentOut, **errors(403, 404, 413, 415, 503)},
          tags=["documents"])
def upload_document(request, file: File[UploadedFile], collection: Form[str], title: Form[str] = ""):
    """Store a file and queue its ingestion (202); poll GET /documents/{id} for status and progress. A file
    whose content the collection already has is not stored again: 200 with that document and `duplicate: true`."""
    require_scope(request, "documents:write")
    decide.upload_check(request.auth)
    target = documents.collection_for_upload(user=request.auth, name_or_id=collection)
    document, created = documents.document_upload(user=request.auth, file=file, collection=target, title=title)
    return (202 if created else 200), document_out(document, duplicate=not created)


@api.get("/documents/{document_id}", response={200: DocumentOut, **errors(404)}, tags=["documents"])
def get_document(request, document_id: int):
    require_scope(request, "documents:read")
    return document_out(decide.document_for(request.auth, document_id, decide.READ))


# Past any real collection's size, and small enough for every database's OFFSET.
MAX_OFFSET = 1_000_000_000


@api.get("/documents", response={200: list[DocumentOut], **errors(404)}, tags=["documents"])
def list_documents(request, collection: str | None = None, limit: int = 100,
                   offset: int = Query(0, ge=0, le=MAX_OFFSET)):
    """Documents in the collections you may read, newest first."""
    require_scope(request, "documents:read")
    documents = decide.documents_for(request.auth).select_related("collection")
    if collection:
        scope = chat.collection_scope(request.auth, collection)
        documents = documents.filter(collection_id__in=scope)
    return [document_out(d) for d in documents[offset : offset + min(max(limit, 1), 500)]]


@api.delete("/documents/{document_id}", response={204: None, **errors(403, 404)}, tags=["documents"])
def delete_document(request, document_id: int):
    """Delete the document, its chunks, its stored original and (in the worker) its vectors."""
    require_scope(request, "documents:write")
    document = decide.document_for(request.auth, document_id, decide.DELETE)
    documents.document_delete(user=request.auth, document=document)
    return 204, None


@api.put("/documents/{document_id}", response={200: DocumentOut, 202: DocumentOut, **errors(403, 404, 409, 413, 415, 503)},
         tags=["documents"])
def replace_document(request, document_id: int, file: File[UploadedFile]):
    """Store a new version of the file and queue its ingest (202); the current version stays searchable until the
    new one is indexed. The same content as now changes nothing (200); another document's content is a 409."""
    require_scope(request, "documents:write")
    document = decide.document_for(request.auth, document_id, decide.WRITE)
    revision = document.revision
    document = documents.document_replace(user=request.auth, document=document, file=file)
    return (202 if document.revision != revision else 200), document_out(document)


@api.post("/chat", response={200: ChatOut, **errors(403, 404, 503)}, tags=["chat"], openapi_extra=EVENT_STREAM)
async def chat_ask(request, body: ChatIn, response: HttpResponse):
    """Ask a question. `stream: true` answers with Server-Sent Events: `sources` (the passages, before any text),
    `quote` (the verbatim answer quote {n, text, start, end, score}, before any token, when there is one),
    `token`…, then `done` (as the non-streamed response below, with `sources`) or `error`. A refused question has
    no tokens: `sources` are the closest passages, and `done` carries the "not in the documents" answer."""
    from asgiref.sync import sync_to_async

    await sync_to_async(require_scope)(request, "chat")
    params = body.params.model_dump(exclude_unset=True) if body.params is not None else None
    message = await sync_to_async(chat.question_ask)(
        user=request.auth, question=body.question, collection=body.collection,
        conversation_id=body.conversation_id, params=params, profile=body.profile, surface=surface_of(request),
    )
    if body.stream:
        stream = _event_stream(message.pk)
        stream["X-Message-Id"] = str(message.pk)  # lets a page stop an answer still waiting in line
        return _with_headers(stream, message.quota_headers)
    _with_headers(response, message.quota_headers)
    result = await collect_answer(message.pk, timeout_s=message.params["timeout"] + 60)
    if result["event"] == "error":
        raise AppError(result.get("code", "answer_failed"), result.get("message", "The answer failed."), status=503)
    return await sync_to_async(chat_out)(result)


@api.post("/search", response={200: SearchOut, **errors(403, 404, 503)}, tags=["search"])
def search(request, body: SearchIn):
    """Ranked passages among the collections you may read (the filter is inside the index query)."""
    require_scope(request, "search")
    passages = passages_search(user=request.auth, query=body.query, collection=body.collection, k=body.k, mode=body.mode)
    return {"query": body.query, "passages": passages}


@api.get("/messages/{message_id}/stream", response={200: None, **errors(404, 503)}, tags=["chat"],
         openapi_extra=EVENT_STREAM)
def message_stream(request, message_id: int):
    """Resume an answer's event stream; send `Last-Event-ID` to continue after the last event seen."""
    require_scope(request, "chat")
    owned.message_for(request.auth, message_id, role="assistant")  # only answers have a stream
    return _event_stream(message_id, resume_cursor(message_id, request.headers.get("Last-Event-ID")))


@api.post("/messages/{message_id}/cancel", response={200: CancelOut, **errors(404)}, tags=["chat"])
def message_cancel(request, message_id: int):
    require_scope(request, "chat")
    message = chat.message_cancel(user=request.auth, message_id=message_id)
    return {"message_id": message.pk, "cancelled": True}


def _with_headers(response, headers: dict[str, str]):
    for name, value in headers.items():
        response[name] = value
    return response


def _event_stream(message_id: int, last_event_id: str = "0") -> StreamingHttpResponse:
    response = StreamingHttpResponse(sse_stream(message_id, last_event_id), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response
