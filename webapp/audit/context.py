"""Who is acting and through which surface, for audit entries written where no request is at hand (signals).

A middleware sets both for the request; commands and the worker set the surface themselves (`acting_as`).
Context variables are copied into the threads asgiref runs sync code in, so they reach signal receivers.
"""

import contextvars
from contextlib import contextmanager

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
    user = _user.get()
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


def audit_context_middleware(get_response):
    def middleware(request):
        tokens = (_surface.set(surface_of(request)), _user.set(getattr(request, "user", None)),
                  _ip.set(request.META.get("REMOTE_ADDR", "")))
        try:
            return get_response(request)
        finally:
            _surface.reset(tokens[0])
            _user.reset(tokens[1])
            _ip.reset(tokens[2])

    return middleware
