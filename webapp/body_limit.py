"""Refuse a request body that is too large before any byte of it is read.

Django's ASGI handler reads the whole body into a temporary file before the first Django middleware runs, so
the limit sits in front of it, as ASGI middleware (webapp/asgi.py), for every URL. Two limits:
- MAX_ANONYMOUS_BODY_KB for a request without valid credentials: whatever an outsider can reach (the login
  form, health checks, any URL) needs no more than a small form;
- MAX_UPLOAD_MB (plus room for the multipart headers around the file) for a signed-in session or a valid
  API token. Credentials are checked only for a body larger than the first limit.
A declared Content-Length over the limit is answered 413 at once, the body unread; a body without one
(chunked) is counted as it arrives and cut off with the same 413 as soon as it passes the limit.
"""

import json
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.db import close_old_connections
from django.http import parse_cookie

from webapp import errors
from webapp.accounts.models import ApiToken, token_hash

MULTIPART_SLACK_BYTES = 64 * 1024
ANONYMOUS_TOO_LARGE = ("The request body is larger than {limit} KB, the limit without a login "
                       "(MAX_ANONYMOUS_BODY_KB). Log in or use an API token to upload.")
BAD_LENGTH = "Content-Length is not a number."


class BodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        chunked = b"chunked" in headers.get(b"transfer-encoding", b"").lower()
        if declared is None and not chunked:
            return await self.app(scope, receive, send)
        try:
            length = int(declared) if declared is not None else None
        except ValueError:
            return await _answer(send, 400, "invalid_request", BAD_LENGTH)
        if length is not None and length <= anonymous_limit():
            return await self.app(scope, receive, send)
        signed_in = await sync_to_async(has_valid_credentials)(headers)
        limit = upload_limit() if signed_in else anonymous_limit()
        if length is not None and length > limit:
            return await _too_large(send, length, signed_in)
        return await self.app(scope, _counted(receive, send, limit, signed_in), send)


def anonymous_limit() -> int:
    return settings.MAX_ANONYMOUS_BODY_KB * 1024


def upload_limit() -> int:
    return settings.MAX_UPLOAD_MB * 1024 * 1024 + MULTIPART_SLACK_BYTES


def has_valid_credentials(headers: dict[bytes, bytes]) -> bool:
    """A bearer token of an active user, or a session cookie of a signed-in active user (as Django checks it)."""
    close_old_connections()
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return ApiToken.objects.usable().filter(digest=token_hash(token.strip())).exists()
    session_key = parse_cookie(headers.get(b"cookie", b"").decode("latin-1")).get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return False
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=session))
    return user.is_authenticated and user.is_active


def _counted(receive, send, limit: int, signed_in: bool):
    """`receive` that answers 413 and reports a disconnect (Django then stops reading) past `limit` bytes."""
    seen = 0

    async def counted():
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                await _too_large(send, seen, signed_in)
                return {"type": "http.disconnect"}
        return message

    return counted


async def _too_large(send, size: int, signed_in: bool) -> None:
    if signed_in:
        message = errors.FILE_TOO_LARGE.format(size_mb=size / 2**20, limit=settings.MAX_UPLOAD_MB)
        return await _answer(send, 413, "file_too_large", message, {"max_mb": settings.MAX_UPLOAD_MB})
    message = ANONYMOUS_TOO_LARGE.format(limit=settings.MAX_ANONYMOUS_BODY_KB)
    await _answer(send, 413, "body_too_large", message, {"max_kb": settings.MAX_ANONYMOUS_BODY_KB})


async def _answer(send, status: int, code: str, message: str, details: dict | None = None) -> None:
    error = {"code": code, "message": message} | ({"details": details} if details else {})
    body = json.dumps({"error": error}).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]})
    await send({"type": "http.response.body", "body": body})
