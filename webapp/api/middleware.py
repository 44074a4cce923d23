"""Every error under /api/ in the API's JSON shape, including the ones the API's own handlers never see.

An unknown route is Django's 404 page, a wrong method is django-ninja's plain-text 405, an unhandled exception is
Django's 500 page: a client parsing `{"error": {"code", "message"}}` would choke on all three. This middleware
(first in MIDDLEWARE, so it sees every response) rewrites an error response under /api/ that is not JSON already.
"""

from asgiref.sync import iscoroutinefunction
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import sync_and_async_middleware

from webapp.errors import AppError

PREFIX = "/api/"
NOT_FOUND = "No API route at {path}. The routes are listed in /api/v1/openapi.json and /api/v1/docs."
NOT_ALLOWED = "{method} is not allowed on {path}; it takes {allowed}."
SERVER_ERROR = "The server failed on this request. The error is in the server's log; try again or report it."
OTHER = "The request failed (HTTP {status})."


def api_error_of(request, response: HttpResponse) -> JsonResponse | None:
    """The JSON error replacing `response`, or None when it stays as it is."""
    if not request.path.startswith(PREFIX) or response.status_code < 400 or response.streaming:
        return None
    if response.get("Content-Type", "").startswith("application/json"):
        return None
    status = response.status_code
    if status == 404:
        error = AppError("not_found", NOT_FOUND.format(path=request.path), status)
    elif status == 405:
        allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
        error = AppError("method_not_allowed", NOT_ALLOWED.format(method=request.method, path=request.path,
                         allowed=" or ".join(allowed) or "no method"), status, {"allowed": allowed})
    elif status >= 500:
        error = AppError("server_error", SERVER_ERROR, status)
    else:
        error = AppError("error", OTHER.format(status=status), status)
    json_response = JsonResponse(error.as_dict(), status=status, json_dumps_params={"ensure_ascii": False})
    for header in ("Allow", "WWW-Authenticate", "Retry-After"):
        if header in response:
            json_response[header] = response[header]
    return json_response


@sync_and_async_middleware
def api_json_errors(get_response):
    if iscoroutinefunction(get_response):

        async def middleware(request):
            response = await get_response(request)
            return api_error_of(request, response) or response

    else:

        def middleware(request):
            response = get_response(request)
            return api_error_of(request, response) or response

    return middleware

