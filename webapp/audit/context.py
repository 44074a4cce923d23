"""Who is acting and through which surface, for audit entries written where no request is at hand (signals).

A middleware sets both for the request; commands and the worker set the surface themselves (`acting_as`).
Context variables are copied into the threads asgiref runs sync code in, so they reach signal receivers.
"""

import contextvars
from contextlib import contextmanager

from asgiref.sync import iscoroutinefunction
from django.utils.decorators import sync_and_async_middleware

# The request, not request.user: asgiref compares context values when it leaves sync code, and comparing the lazy
# user would query the database from async code.
_request = contextvars.ContextVar("audit_request", default=None)
_user = contextvars.ContextVar("audit_user", default=None)
_surface = contextvars.ContextVar("audit_surface", default="")
_ip = contextvars.ContextVar("audit_ip", default="")

SURFACES = ("browser", "api", "openai", "mcp", "admin", "cli", "worker")


def surface_of(request) -> str:
    """browser, api (API v1 with a token), openai (/v1/), mcp (/mcp) or admin (/admin/), from the request."""
    path = request.path
    if path.startswith("/v1/"):
        return "openai"
    if path.startswith("/mcp"):
        return "mcp"
    if path.startswith("/admin/"):
        return "admin"
    if path.startswith("/api/") and request.headers.get("Authorization", "").lower().startswith("bearer "):
        return "api"
    return "browser"


def current_user():
    """The user set by `acting_as`, else the request's: its API token's user (request.auth) or its session's."""
    user = _user.get()
    request = _request.get()
    if user is None and request is not None:
        user = getattr(request, "auth", None) or getattr(request, "user", None)
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def current_surface() -> str:
    return _surface.get() or "cli"


def current_ip() -> str:
    return _ip.get()


@contextmanager
def acting_as(*, surface: str, user=None):
    tokens = (_surface.set(surface), _user.set(user))
    try:
        yield
    finally:
        _surface.reset(tokens[0])
        _user.reset(tokens[1])


def _enter(request) -> tuple:
    return _surface.set(surface_of(request)), _request.set(request), _ip.set(request.META.get("REMOTE_ADDR", ""))


def _leave(tokens: tuple) -> None:
    for var, token in zip((_surface, _request, _ip), tokens, strict=True):
        var.reset(token)


@sync_and_async_middleware
def audit_context_middleware(get_response):
    """Both kinds, so an async view (the event streams) is not moved to a thread because of this middleware."""
    if iscoroutinefunction(get_response):

        async def async_middleware(request):
            tokens = _enter(request)
            try:
                return await get_response(request)
            finally:
                _leave(tokens)

        return async_middleware

    def middleware(request):
        tokens = _enter(request)
        try:
            return get_response(request)
        finally:
            _leave(tokens)

    return middleware
