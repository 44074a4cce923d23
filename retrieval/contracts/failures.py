"""Why a document failed to ingest, as the worker stores it: a code, its parameters, and the English detail.

The worker writes `Document.error_code` + `error_params` (what the web translates for the reader, in pt-BR or
English: `webapp.documents.failures`) and `Document.error`, the exact technical sentence (which page, which
library error, which setting), kept for administrators, logs and the CLI. A code names what the person can do
about it; the detail says precisely what happened. Codes are stable: the API returns them.
"""

from dataclasses import dataclass, field

# The parser's verdicts (ingestion.types.ParseError.reason): the file itself is the problem.
ENCRYPTED = "encrypted"
CORRUPT = "corrupt"
EMPTY = "empty"
UNSUPPORTED = "unsupported"
TOO_LARGE = "too_large"
CONVERTER_MISSING = "converter_missing"
# The pipeline's: the attempt could not finish.
TIME_LIMIT = "time_limit"
WORKER_CRASHED = "worker_crashed"
MODEL_UNAVAILABLE = "model_unavailable"
ORIGINAL_MISSING = "original_missing"
INTERNAL_ERROR = "internal_error"
GAVE_UP = "gave_up"

# Every code and the parameters it is stored with (the words for it may use any of them).
PARAMS: dict[str, tuple[str, ...]] = {
    ENCRYPTED: (),
    CORRUPT: (),
    EMPTY: (),
    UNSUPPORTED: (),
    TOO_LARGE: (),
    CONVERTER_MISSING: (),
    TIME_LIMIT: ("limit",),
    WORKER_CRASHED: ("n",),
    MODEL_UNAVAILABLE: (),
    ORIGINAL_MISSING: (),
    INTERNAL_ERROR: ("stage",),
    GAVE_UP: ("n",),
}
PARSE_CODES = (ENCRYPTED, CORRUPT, EMPTY, UNSUPPORTED, TOO_LARGE, CONVERTER_MISSING)


def check_code(table: dict[str, tuple[str, ...]], code: str, params: dict) -> None:
    """A code of `table` with exactly its parameters: what the worker stores is what the web can word."""
    assert code in table, code
    assert set(params) == set(table[code]), (code, params)


@dataclass(frozen=True)
class Failure:
    """One ingest failure: `code` (a key of PARAMS) with `params`, and `detail`, the English technical sentence."""

    code: str
    detail: str
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_code(PARAMS, self.code, self.params)

    def fields(self) -> dict:
        """The document's fields that record it."""
        return {"error": self.detail, "error_code": self.code, "error_params": dict(self.params)}
