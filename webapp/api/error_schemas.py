"""The API's error body as a schema, so that every operation documents its errors in the one shape
`{"error": {"code", "message", "details"?}}` (webapp.errors.AppError.as_dict) that it answers them in."""

from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    field: str = Field(..., description="the request field, dotted: `question`, `params.temperature`")
    message: str
    type: str = Field(..., description="the check that failed: missing, bool_type, less_than_equal, …")


class ErrorDetails(BaseModel):
    """More about an error; which fields are there depends on the code, and others may be."""

    model_config = ConfigDict(extra="allow")
    field: str | None = Field(None, description="the request field at fault, e.g. `params.temperature`")
    errors: list[FieldProblem] | None = Field(None, description="each field's problem (invalid_request)")
    allowed: list[str] | None = Field(None, description="the values or methods allowed")
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    reason: str | None = Field(None, description="the underlying failure (worker errors)")
    max_mb: int | None = Field(None, description="the upload limit (file_too_large)")
    document_id: int | None = Field(None, description="the document that already has this content (409)")
    header: str | None = Field(None, description="the request header at fault")


class ErrorDetail(BaseModel):
    code: str = Field(..., description="what went wrong, for programs: invalid_request, invalid_param, unauthorized, "
                      "forbidden, not_found, method_not_allowed, unsupported_media_type, file_too_large, "
                      "rate_limited, worker_busy, server_error, …")
    message: str = Field(..., description="what went wrong and what to do, for people")
    details: ErrorDetails | None = None


class ErrorOut(BaseModel):
    """Every error of the API, whatever its status."""

    error: ErrorDetail


def errors(*statuses: int) -> dict:
    """The error responses an endpoint documents: those it may answer, plus the ones every endpoint may."""
    return {status: ErrorOut for status in sorted({*statuses, 400, 401, 429, 500})}
