"""The database away is a 503 `database_unavailable` (with Retry-After) on every page and endpoint, never a 500.

Django renders an exception nothing handled with `handler500`, called inside the `except` that caught it
(`django.core.handlers.exception.response_for_exception`), so the exception is at hand there: one place sees it
however deep it rose (a view, the session or login middleware, an API token lookup). Django's OperationalError
and InterfaceError are the database not answering (restarting, stopped, out of connections, a connection it cut):
the same request succeeds once it is back. Django drops the broken connection when the request ends
(`close_old_connections`: a connection that raised is checked, and closed if unusable), so the next request
connects afresh. Nothing here reads the database, the page included.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults

from webapp.errors import DATABASE_DOWN, AppError

CODE = "database_unavailable"
RETRY_AFTER_S = 5


def database_away(exc: BaseException | None) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request) -> HttpResponse:
    """`handler500`: a 503 in the shape of the door asked (API, OpenAI-compatible API, page) when the database is
    away; Django's own 500 otherwise."""
    if not database_away(sys.exc_info()[1]):
        return defaults.server_error(request)
    if request.path.startswith("/v1/"):
        from webapp.openai_compat.errors import OpenAIError

        response: HttpResponse = JsonResponse(OpenAIError(DATABASE_DOWN, status=503, code=CODE).as_dict(), status=503)
    elif request.path.startswith("/api/"):
        response = JsonResponse(AppError(CODE, DATABASE_DOWN, status=503).as_dict(), status=503)
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response
