"""A translated sentence with a stored code's parameters filled in: the one way the web words what the worker stored
as codes (a sync's errors: webapp.sources.wording; an ingest's failure: webapp.documents.failures; a parser's
warnings: webapp.documents.warnings). Each of those says what an unknown code shows; this says how one is filled."""

from collections import defaultdict


def fill(text, params: dict | None, *, otherwise: str) -> str:
    """`text` (a lazy translation with %(name)s placeholders; a plural one picks its form from its number) with
    `params`: a parameter it lacks shows as "?", a None as ""; `otherwise` when the parameters do not fit the
    sentence (a row stored by another version, a number that is not one)."""
    values = defaultdict(lambda: "?", {key: "" if value is None else value for key, value in (params or {}).items()})
    try:
        return str(text % values)
    except (KeyError, TypeError, ValueError):
        return otherwise
