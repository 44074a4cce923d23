"""Failures in OpenAI's error shape: `{"error": {"message", "type", "param", "code"}}`.

OpenAI clients read `error.message` to show people and the HTTP status to decide what to do (the SDKs raise
`BadRequestError` for 400, `AuthenticationError` for 401, retry 429 and 503...). Acervo's own errors
(`webapp.errors.AppError`, raised by the services this door reuses) are translated here, once: their code
becomes `code`, the field they name becomes `param` in OpenAI's words.
"""

import time

from django.http import JsonResponse

from webapp.errors import AppError

# OpenAI's error types by status; the SDKs key on the status, people on the message.
TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "permission_error",
         404: "invalid_request_error", 409: "invalid_request_error", 413: "invalid_request_error",
         429: "rate_limit_error", 503: "server_error"}
# Acervo's names for the fields an error is about → the request field an OpenAI client sent.
PARAMS = {"question": "messages", "profile": "model", "collection": "model", "conversation_id": "conversation_id"}

MISSING_TOKEN = ("You didn't provide an API key. Send 'Authorization: Bearer <token>' with a token from "
                 "`python manage.py create_api_token USERNAME`.")
INVALID_TOKEN = "Incorrect API key provided: the token is unknown, revoked, or its user is inactive."
MODEL_NOT_FOUND = "The model {model!r} does not exist or you do not have access to it. GET /v1/models lists yours."


class OpenAIError(Exception):
    def __init__(self, message: str, *, status: int = 400, param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message, self.status, self.param, self.code = message, status, param, code

    def as_dict(self) -> dict:
        kind = TYPES.get(self.status, "server_error" if self.status >= 500 else "invalid_request_error")
        return {"error": {"message": self.message, "type": kind, "param": self.param, "code": self.code}}


def from_app_error(exc: AppError, *, aliases: dict[str, str] | None = None) -> OpenAIError:
    """The same failure in OpenAI's words. `aliases`: Acervo parameter → the OpenAI name the client used
    (max_tokens sent as max_completion_tokens)."""
    field = (exc.details or {}).get("field") or None
    param, message = field, exc.message
    if field and field.startswith("params."):
        name = field.removeprefix("params.")
        param = (aliases or {}).get(name, name)
        message = message.replace(field, param)
    elif field:
        param = PARAMS.get(field, field)
    return OpenAIError(message, status=exc.status, param=param, code=exc.code)


def error_response(exc: OpenAIError) -> JsonResponse:
    response = JsonResponse(exc.as_dict(), status=exc.status)
    if exc.status == 429:
        # The rate limit counts per clock minute (webapp.api.auth.check_rate): the next one starts then.
        response["Retry-After"] = str(60 - int(time.time()) % 60)
    return response
