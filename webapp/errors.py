"""Errors a person or an integration can act on: a code, a message, an HTTP status.

Services raise them; the API renders them as `{"error": {"code", "message", "details"?}}` and the
web pages show the message. Messages are module constants so tests can assert on them.
"""

WORKER_DOWN = "No answer worker is running, so questions cannot be answered right now. Start one with `make run` (or `celery -A webapp worker`) and try again."
REDIS_DOWN = "The message broker (Redis) is not reachable at REDIS_URL. Start Redis and try again."
DATABASE_DOWN = ("The database is not answering right now (restarting, stopped or out of connections). Try again "
                 "in a moment; if it lasts, check the database server at DATABASE_URL.")
QUESTION_EMPTY = "The question is empty."
QUESTION_NOT_TEXT = "The question must be text."
QUESTION_TOO_LONG = "The question is too long: at most {limit} characters."
QUERY_TOO_LONG = "The query is too long: at most {limit} characters (MAX_SEARCH_QUERY_CHARS)."
COLLECTION_NOT_FOUND = "No collection named {name!r} that you may read."
CONVERSATION_NOT_FOUND = "Conversation not found."
FILE_EMPTY = "The file is empty (0 bytes): there is nothing to index."
FILE_TOO_LARGE = "The file is {size_mb:.1f} MB; the limit is {limit} MB (MAX_UPLOAD_MB)."
DOCUMENT_DUPLICATE = "Another document of this collection already has this content: {title}."
FILE_TYPE_UNSUPPORTED = "Unsupported file type ({kind}). Supported: {supported}."
NOT_ALLOWED_TO_UPLOAD = "Only editors of a collection may upload documents."


class AppError(Exception):
    def __init__(self, code: str, message: str, status: int = 400, details: dict | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details
        self.headers = headers or {}  # e.g. Retry-After and X-Quota-* on a 429: every renderer sends them

    def apply_headers(self, response):
        for name, value in self.headers.items():
            response[name] = value
        return response

    def as_dict(self) -> dict:
        body = {"code": self.code, "message": self.message}
        if self.details:
            body["details"] = self.details
        return {"error": body}
