"""Generation parameters: validated ranges, profile defaults, and profile limits that narrow them."""

import pytest

from webapp.chat.models import ModelProfile
from webapp.chat.params import params_resolve
from webapp.errors import AppError


def test_without_overrides_the_profile_defaults_are_used(db):
    profile = ModelProfile.objects.create(name="p", temperature=0.7, max_tokens=99, stop=["\nQ:"])
    params = params_resolve(None, profile=profile)
    assert (params["temperature"], params["max_tokens"], params["stop"]) == (0.7, 99, ["\nQ:"])


def test_overrides_win_within_range():
    params = params_resolve({"temperature": 0.0, "top_k": 5, "stop": "END", "seed": 42})
    assert (params["temperature"], params["top_k"], params["stop"], params["seed"]) == (0.0, 5, ["END"], 42)


def test_a_profile_limit_narrows_the_range_and_the_error_names_the_field(db):
    profile = ModelProfile.objects.create(name="strict", limits={"max_tokens": [1, 128]})
    assert params_resolve({"max_tokens": 128}, profile=profile)["max_tokens"] == 128
    with pytest.raises(AppError) as caught:
        params_resolve({"max_tokens": 129}, profile=profile)
    assert caught.value.details["field"] == "params.max_tokens" and caught.value.details["max"] == 128


@pytest.mark.parametrize("bad", [{"top_k": 1.5}, {"temperature": True}, {"stop": [""]}, {"stop": ["a"] * 9}, {"timeout": 0}])
def test_malformed_values_are_refused(bad):
    with pytest.raises(AppError):
        params_resolve(bad)
