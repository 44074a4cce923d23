"""Request validation errors in plain words: which field, what is wrong with it.

django-ninja reports a location like ["body", "body", "question"] (where, the argument's name, the field) and
pydantic's generic message; a client wants `question` and "The field 'question' is missing."
"""

SOURCES = {"body", "query", "path", "form", "file", "header", "cookie"}
ARGUMENTS = {"body"}  # the name every endpoint gives its JSON body argument
# pydantic names the member of a union it tried: `list[constrained-str]`, `int`, … (not a field)
_TYPE_TAGS = {"str", "int", "float", "bool", "list", "dict", "none", "constrained-str", "constrained-int"}


def _is_type_tag(part: str) -> bool:
    return "[" in part or part in _TYPE_TAGS

MISSING = "The field {field!r} is missing."
INVALID = "The field {field!r} is not valid: {reason}."
BODY = "The request body is not valid: {reason}."


def field_name(loc) -> str:
    """'params.temperature' from ("body", "body", "params", "temperature")."""
    parts = [str(part) for part in loc if not _is_type_tag(str(part))]
    if parts and parts[0] in SOURCES:
        parts = parts[1:]
        if parts and parts[0] in ARGUMENTS and len(parts) > 1:
            parts = parts[1:]
    return ".".join(parts if parts != ["body"] else [])


def validation_problem(error: dict) -> dict:
    """{field, message, type} for one of ninja's validation errors."""
    field, kind = field_name(error.get("loc") or ()), error.get("type", "")
    reason = str(error.get("msg", "invalid value"))
    reason = reason[0].lower() + reason[1:] if reason else "invalid value"
    if not field:
        message = BODY.format(reason=reason)
    elif kind == "missing":
        message = MISSING.format(field=field)
    else:
        message = INVALID.format(field=field, reason=reason)
    return {"field": field, "message": message, "type": kind}
