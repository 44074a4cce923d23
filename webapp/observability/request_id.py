"""A request id that follows a question from the web through the worker, into every log line on the way.

The web takes the caller's `X-Request-ID` when it is a plain token (a proxy's or a client's own id), else makes
one, and sends it back in the response. Every Celery task sent while handling the request carries it in a
message header (`request_id`), and the worker sets it for the time the task runs: the log lines of the web
request and of the worker's answer share it. `RequestIdFilter` puts it on every log record (`-` outside both).
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar, Token

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from celery.signals import before_task_publish, task_postrun, task_prerun

from webapp.observability import tracing

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"
VALID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
NONE = "-"

current: ContextVar[str] = ContextVar("request_id", default=NONE)
log = logging.getLogger(__name__)
access = logging.getLogger("acervo.requests")


def chosen(sent: str | None) -> str:
    """The caller's id when it is safe to log and echo as is; else a new one."""
    return sent if sent and VALID.fullmatch(sent) else uuid.uuid4().hex


class RequestIdMiddleware:
    """Sync and async alike, so the SSE views (async) keep running without a thread hop."""

    sync_capable = async_capable = True

    def __init__(self, get_response):
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request):
        if iscoroutinefunction(self):
            return self._acall(request)
        request.request_id = chosen(request.headers.get(HEADER))
        token, started = current.set(request.request_id), time.monotonic()
        try:
            with _request_span(request):
                response = self.get_response(request)
            return _answered(request, response, started)
        finally:
            current.reset(token)

    async def _acall(self, request):
        request.request_id = chosen(request.headers.get(HEADER))
        token, started = current.set(request.request_id), time.monotonic()
        try:
            with _request_span(request):
                response = await self.get_response(request)
            return _answered(request, response, started)
        finally:
            current.reset(token)


def _request_span(request):
    return tracing.span(f"{request.method} {request.path}", request_id=request.request_id,
                        **{"http.request.method": request.method})


def _answered(request, response, started: float):
    """Echo the id, and log the request with it: at INFO for a log collector (LOG_FORMAT=json), else at DEBUG, since
    the server's own access log already shows requests to a person at the console."""
    from django.conf import settings

    response[HEADER] = current.get()
    level = logging.INFO if settings.LOG_FORMAT == "json" else logging.DEBUG
    access.log(level, "%s %s %s in %.0f ms", request.method, request.path, response.status_code,
               (time.monotonic() - started) * 1000)
    return response


class RequestIdFilter(logging.Filter):
    """Django logs a failed response (`django.request`) after the middleware returned: such records carry the
    request, which carries its id."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = getattr(getattr(record, "request", None), "request_id", None) or current.get()
        return True


@before_task_publish.connect
def _stamp(headers=None, **_):
    if headers is None:
        return
    if current.get() != NONE:
        headers.setdefault(TASK_HEADER, current.get())
    tracing.inject(headers)


# task id → (the context token to reset when it ends, when it started); tasks run on several pool threads.
_started: dict[str, tuple[Token[str] | None, float, object]] = {}


def _header(task, name: str) -> str | None:
    """A custom header of the task's message (Celery puts them on the request; older paths keep `headers`)."""
    return getattr(task.request, name, None) or (task.request.headers or {}).get(name)


@task_prerun.connect
def _task_started(task_id=None, task=None, **_):
    carrier = {name: value for name in ("traceparent", "tracestate") if (value := _header(task, name))}
    opened = tracing.task_started(task.name, carrier)
    _started[task_id] = (current.set(chosen(_header(task, TASK_HEADER))), time.monotonic(), opened)
    log.info("task %s started", task.name, extra={"task_id": task_id})


@task_postrun.connect
def _task_ended(task_id=None, task=None, state=None, **_):
    token, started, opened = _started.pop(task_id, (None, time.monotonic(), None))
    log.info("task %s ended: %s in %.0f ms", task.name, state, (time.monotonic() - started) * 1000,
             extra={"task_id": task_id})
    tracing.task_ended(opened)
    if token is not None:
        current.reset(token)
