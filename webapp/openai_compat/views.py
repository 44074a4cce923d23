"""The OpenAI-compatible endpoints: authenticate, parse, call one service, write OpenAI's shapes.

Bearer tokens as /api/v1 (`webapp.api.auth.TokenAuth`: hashed lookup, active user, per-user rate limit) with the
`chat` scope; no browser session and so no CSRF. Every failure, ours or Acervo's AppError, leaves as OpenAI's
error shape (`errors`), including unknown /v1/ paths and wrong methods.
"""

import asyncio
import time
from functools import wraps

from asgiref.sync import sync_to_async
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt

from webapp.api.auth import TokenAuth, require_scope
from webapp.api.schemas import citations_out
from webapp.chat.page_data import original_url
from webapp.chat.relay import collect_answer
from webapp.errors import AppError
from webapp.openai_compat import shapes
from webapp.openai_compat.catalog import model_resolve, models_for
from webapp.openai_compat.errors import INVALID_TOKEN, MISSING_TOKEN, OpenAIError, error_response, from_app_error
from webapp.openai_compat.request import request_parsed
from webapp.openai_compat.services import answer_abandon, completion_ask
from webapp.openai_compat.streaming import CompletionStream

NOT_FOUND = "Unknown endpoint {path}: Acervo serves GET /v1/models and POST /v1/chat/completions."
WRONG_METHOD = "{method} is not allowed here: use {allowed}."
ANSWER_TIMEOUT = "The answer took longer than its time limit: try again, or ask for fewer tokens."


def openai_endpoint(*methods: str):
    """An async view answering only `methods`, whose failures all leave in OpenAI's error shape."""
    def decorate(view):
        @csrf_exempt
        @wraps(view)
        async def endpoint(request: HttpRequest, *args, **kwargs):
            try:
                if request.method not in methods:
                    raise OpenAIError(WRONG_METHOD.format(method=request.method, allowed=", ".join(methods)),
                                      status=405, code="method_not_allowed")
                return await view(request, *args, **kwargs)
            except AppError as exc:  # its headers (a quota's Retry-After and X-Quota-*) win
                return exc.apply_headers(
                    error_response(from_app_error(exc, aliases=getattr(request, "param_aliases", None))))
            except OpenAIError as exc:
                return error_response(exc)
        return endpoint
    return decorate


@sync_to_async
def _caller(request: HttpRequest):
    """The token's user, or OpenAIError 401; AppError 403 without the `chat` scope, 429 over the rate limit."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise OpenAIError(MISSING_TOKEN, status=401, code="invalid_api_key")
    user = TokenAuth().authenticate(request, token.strip())
    if user is None:
        raise OpenAIError(INVALID_TOKEN, status=401, code="invalid_api_key")
    require_scope(request, "chat")
    return user


def _linker(request: HttpRequest) -> shapes.Linker:
    def link(document_id: int | None, page: int | None) -> str | None:
        return request.build_absolute_uri(original_url(document_id, page)) if document_id else None
    return link


@openai_endpoint("GET")
async def models_list(request):
    user = await _caller(request)
    found = await sync_to_async(models_for)(user)
    return JsonResponse({"object": "list", "data": [choice.as_model() for choice in found]})


@openai_endpoint("GET")
async def model_detail(request, model_id: str):
    user = await _caller(request)
    return JsonResponse((await sync_to_async(model_resolve)(user, model_id)).as_model())


@openai_endpoint("POST")
async def chat_completions(request):
    user = await _caller(request)
    asked = request_parsed(request.body)
    request.param_aliases = asked.aliases  # a bad max_completion_tokens is reported under that name
    choice = await sync_to_async(model_resolve)(user, asked.model)
    message = await _asked(user, asked, choice)
    created, link = int(time.time()), _linker(request)
    if asked.stream:
        stream = CompletionStream(message, user=user, model=choice.id, created=created, link=link,
                                  include_usage=asked.include_usage)
        response = StreamingHttpResponse(stream, content_type="text/event-stream")
        response["Cache-Control"] = "no-cache"
        response["X-Accel-Buffering"] = "no"
        response["X-Message-Id"] = str(message.pk)
        return response
    done = await _answer(user, message)
    citations = await sync_to_async(citations_out)(done.get("citations") or [])
    return JsonResponse(shapes.completion(done, citations, model=choice.id, created=created, link=link))


async def _asked(user, asked, choice):
    """The queued answer. The question is written in a thread that a departing client cannot stop: if the client
    leaves meanwhile (Django cancels this task), the answer it queued is abandoned once it exists, instead of
    running on for nobody (seen under load, when asking took longer than the client waited)."""
    asking = asyncio.ensure_future(sync_to_async(completion_ask)(user=user, asked=asked, choice=choice))
    try:
        return await asyncio.shield(asking)
    except asyncio.CancelledError:
        message = await asking
        await sync_to_async(answer_abandon)(user=user, message_id=message.pk)
        raise


async def _answer(user, message) -> dict:
    """The `done` event; the answer is cancelled when the client leaves (Django cancels this task) or it times out."""
    try:
        done = await collect_answer(message.pk, timeout_s=message.params["timeout"] + 60)
    except (asyncio.CancelledError, TimeoutError) as exc:
        await sync_to_async(answer_abandon)(user=user, message_id=message.pk)
        if isinstance(exc, asyncio.CancelledError):
            raise
        raise OpenAIError(ANSWER_TIMEOUT, status=504, code="timeout") from None
    if done["event"] == "error":
        raise OpenAIError(done.get("message", "The answer failed."), status=503, code=done.get("code", "answer_failed"))
    return done


@openai_endpoint("GET", "POST", "PUT", "PATCH", "DELETE")
async def not_found(request, rest: str = ""):
    raise OpenAIError(NOT_FOUND.format(path=request.path), status=404, code="unknown_url")
