"""Generation parameters: the profile's defaults, overridden by the caller within ranges.

A bad value is a 400 that names the field, never a silent clamp.
"""

import math
from dataclasses import fields
from typing import Annotated

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from retrieval.types import GenerationParams
from webapp.errors import AppError

# field -> (type, minimum, maximum)
RANGES: dict[str, tuple[type, float, float]] = {
    "temperature": (float, 0.0, 2.0),
    "top_p": (float, 0.0, 1.0),
    "top_k": (int, 0, 1000),
    "min_p": (float, 0.0, 1.0),
    "max_tokens": (int, 1, 4096),
    "frequency_penalty": (float, -2.0, 2.0),
    "presence_penalty": (float, -2.0, 2.0),
    "repeat_penalty": (float, 0.5, 2.0),
    "seed": (int, 0, 2**31 - 1),
    "timeout": (float, 1.0, 600.0),
}
MAX_STOPS = 8
GENERATION_FIELDS = tuple(f.name for f in fields(GenerationParams))
PROFILE_FIELD = {"timeout": "timeout_s"}  # a model profile's field for a parameter, where the names differ
HELP = {
    "temperature": "randomness: 0 always picks the likeliest word",
    "top_p": "nucleus sampling: the smallest set of words whose probabilities add up to this",
    "top_k": "sample among the k likeliest words (0: all)",
    "min_p": "drop words less likely than this fraction of the likeliest",
    "max_tokens": "the longest answer, in tokens",
    "frequency_penalty": "penalise words by how often they already appear",
    "presence_penalty": "penalise words that already appear",
    "repeat_penalty": "llama.cpp's repetition penalty (1: none)",
    "seed": "the sampler's seed, for repeatable answers (null: random)",
    "timeout": "seconds the answer may take",
}


def _schema_field(name: str):
    kind, low, high = RANGES[name]
    annotation = (kind | None) if name == "seed" else kind
    extra = {"allow_inf_nan": False} if kind is float else {}
    return annotation, Field(None, ge=low, le=high, strict=True, description=HELP[name], **extra)


Stop = Annotated[str, StringConstraints(min_length=1)]
# The request's `params` as a schema, built from RANGES: the OpenAPI schema shows every parameter and its range.
# A model profile may narrow a range (Profile.limits); `params_resolve` checks that after this.
GenerationParamsIn: type[BaseModel] = create_model(
    "GenerationParamsIn",
    __config__=ConfigDict(extra="forbid"),
    __doc__="Generation parameters; each one left out takes the model profile's value.",
    stop=(Annotated[list[Stop], Field(max_length=MAX_STOPS)] | Stop,
          Field(None, description=f"up to {MAX_STOPS} strings that end the answer")),
    **{name: _schema_field(name) for name in RANGES},
)


def profile_defaults(profile) -> GenerationParams:
    if profile is None:
        return GenerationParams(
            temperature=settings.ANSWER_TEMPERATURE, max_tokens=settings.ANSWER_MAX_TOKENS, timeout=settings.ANSWER_TIMEOUT_S
        )
    values = {name: getattr(profile, PROFILE_FIELD.get(name, name)) for name in GENERATION_FIELDS if name != "seed"}
    return GenerationParams(**{**values, "stop": list(values["stop"] or [])})


def params_resolve(overrides: dict | None, *, profile=None) -> dict:
    """The exact parameters to use, as a dict for `Message.params`. Raises AppError naming a bad field."""
    params = profile_defaults(profile)
    for name, value in (overrides or {}).items():
        if name == "stop":
            params.stop = _stops(value)
        elif name in RANGES:
            setattr(params, name, _number(name, value, profile))
        else:
            raise AppError("invalid_param", f"Unknown parameter {name!r}.", details={"field": f"params.{name}",
                           "allowed": sorted([*RANGES, "stop"])})
    return vars(params)


def param_range(name: str, profile=None) -> tuple[float, float]:
    """The range callers may choose `name` within: the global one, narrowed (never widened) by the profile's limits."""
    _, low, high = RANGES[name]
    limit = ((profile.limits if profile is not None else None) or {}).get(name)
    if limit:
        low, high = max(low, limit[0]), min(high, limit[1])
    return low, high


def _number(name: str, value, profile=None):
    kind = RANGES[name][0]
    low, high = param_range(name, profile)
    if value is None and name == "seed":
        return None
    # JSON allows NaN and Infinity (Python's parser reads them): they are not numbers a range can hold.
    finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    if isinstance(value, bool) or not finite or (kind is int and value != int(value)):
        raise AppError("invalid_param", f"params.{name} must be {'an integer' if kind is int else 'a number'}.",
                       details={"field": f"params.{name}"})
    if not low <= value <= high:
        raise AppError("invalid_param", f"params.{name} must be between {low:g} and {high:g}.",
                       details={"field": f"params.{name}", "min": low, "max": high})
    return kind(value)


def _stops(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(s, str) and s for s in value) or len(value) > MAX_STOPS:
        raise AppError("invalid_param", f"params.stop must be a list of at most {MAX_STOPS} non-empty strings.",
                       details={"field": "params.stop"})
    return value
