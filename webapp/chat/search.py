"""Searching passages from the web: the worker owns the index, so the web asks it and waits briefly."""

import uuid

from django.conf import settings

from webapp import celery_app, errors
from webapp.chat.services import collection_scope, ensure_answering_available
from webapp.errors import AppError

SEARCH_TIMEOUT_S = 15
SEARCH_FAILED = "The search failed on the worker."
MAX_K = 50
MODES = ("hybrid", "dense", "sparse")


def passages_search(*, user, query: str, collection=None, k: int | None = None, mode: str = "hybrid") -> list[dict]:
    from retrieval.contracts import events

    query, k = (query or "").strip(), settings.SEARCH_TOP_K if k is None else k
    if not query:
        raise AppError("invalid_request", "The query is empty.", details={"field": "query"})
    if len(query) > settings.MAX_SEARCH_QUERY_CHARS:  # the worker would analyse and embed all of it
        raise AppError("invalid_request", errors.QUERY_TOO_LONG.format(limit=settings.MAX_SEARCH_QUERY_CHARS),
                       details={"field": "query", "max_length": settings.MAX_SEARCH_QUERY_CHARS})
    if not 1 <= k <= MAX_K:
        raise AppError("invalid_request", f"k must be between 1 and {MAX_K}.", details={"field": "k"})
    if mode not in MODES:
        raise AppError("invalid_request", f"mode must be one of {', '.join(MODES)}.", details={"field": "mode"})
    scope = collection_scope(user, collection)
    if not scope:
        return []
    ensure_answering_available()
    request_id = uuid.uuid4().hex
    celery_app.send_task("retrieval.tasks.search", args=[request_id, query, scope, k, mode])
    reply = events.wait_reply(request_id, SEARCH_TIMEOUT_S)
    if reply is None:
        raise AppError("worker_busy", "The search worker did not answer in time. Try again.", status=503)
    if "error" in reply:
        raise AppError(reply.get("code", "search_failed"), reply.get("message", SEARCH_FAILED), status=503,
                       details={"reason": reply["error"]})
    return reply["passages"]
