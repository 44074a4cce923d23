"""The MCP endpoint as an ASGI app: a bearer-token guard in front of the SDK's streamable HTTP app.

The guard accepts exactly the tokens /api/v1 accepts (webapp.api.auth.token_find: hashed lookup, active owner,
rate limit) and asks for the `chat` scope; it answers 401 with the API's error body and a `WWW-Authenticate:
Bearer` header otherwise. The token travels to the tools in the request's scope (tools.TOKEN_KEY).
`Dispatch` sends /mcp here and everything else to Django; the ASGI lifespan runs the SDK's session manager.
"""

import json
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from django.db import close_old_connections, connections

from webapp.api.auth import require_scope, token_find
from webapp.errors import AppError
from webapp.mcp_server.tools import TOKEN_KEY, server

PATH = "/mcp"
UNAUTHORIZED = "Missing or invalid credentials: send 'Authorization: Bearer <token>' (an API token with the 'chat' scope)."


def _bearer(scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if kind.lower() == "bearer" and token.strip() else None
    return None


def _checked_token(raw: str):
    """The token, or None if unknown; AppError if its owner is over the rate limit or it lacks the scope."""
    close_old_connections()
    try:
        token = token_find(raw)
        if token is not None:
            require_scope(SimpleNamespace(api_token=token), "chat")  # token.user came with it (select_related)
        return token
    finally:
        connections.close_all()


async def _error(send, status: int, error: AppError, headers: list | None = None) -> None:
    body = json.dumps(error.as_dict()).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class TokenGuard:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        raw = _bearer(scope)
        try:
            token = await sync_to_async(_checked_token, thread_sensitive=False)(raw) if raw else None
        except AppError as exc:
            return await _error(send, exc.status, exc)
        if token is None:
            return await _error(send, 401, AppError("unauthorized", UNAUTHORIZED, 401),
                                [(b"www-authenticate", b'Bearer realm="acervo"')])
        scope[TOKEN_KEY] = token
        return await self.app(scope, receive, send)


class Dispatch:
    """/mcp to the MCP app, the rest to Django; lifespan events to the MCP app (Django does not take them)."""

    def __init__(self, django_app):
        self.django_app = django_app
        self.mcp_app = server.streamable_http_app()  # a Starlette app whose lifespan runs the session manager
        self.guarded = TokenGuard(self.mcp_app)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self.mcp_app(scope, receive, send)
        if scope["type"] == "http" and scope["path"].rstrip("/") == PATH:
            scope = {**scope, "path": PATH}  # the SDK's route is exactly /mcp; /mcp/ would be a redirect
            return await self.guarded(scope, receive, send)
        return await self.django_app(scope, receive, send)
