"""The OpenAPI schema describes every field of every request and response: no bare object (an untyped dict), the
generation parameters with the ranges webapp.chat.params enforces, every error status in the error shape.
In-process; the docs page rendering offline in a browser is tests/test_browser_csp.py."""

import re

import pytest
from django.contrib.auth.models import User
from django.test import Client

from webapp.chat.params import MAX_STOPS, RANGES

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema():
    client = Client()
    client.force_login(User.objects.create_user("alice"))
    return client.get("/api/v1/openapi.json").json()


def walk(node, path=""):
    """Every (path, schema) pair below `node`."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


def test_no_request_or_response_field_is_an_untyped_object(schema):
    bare = [path for path, node in walk(schema)
            if node.get("type") == "object" and not node.get("properties") and not isinstance(node.get("additionalProperties"), dict)]
    assert bare == []


def test_every_property_has_a_type(schema):
    untyped = [f"{name}.{field}" for name, component in schema["components"]["schemas"].items()
               for field, prop in component.get("properties", {}).items()
               if not ({"type", "$ref", "anyOf", "allOf", "oneOf", "enum", "const"} & set(prop))]
    assert untyped == []


def test_the_generation_parameters_and_their_ranges_come_from_webapp_chat_params(schema):
    chat = schema["components"]["schemas"]["ChatIn"]["properties"]
    assert {"$ref": "#/components/schemas/GenerationParamsIn"} in chat["params"]["anyOf"]
    params = schema["components"]["schemas"]["GenerationParamsIn"]
    assert params["additionalProperties"] is False and set(params["properties"]) == {*RANGES, "stop"}
    for name, (kind, low, high) in RANGES.items():
        field = params["properties"][name]
        typed = field if "type" in field else next(t for t in field["anyOf"] if t["type"] != "null")
        assert (typed["type"], typed["minimum"], typed["maximum"]) == (
            "integer" if kind is int else "number", low, high), name
    assert params["properties"]["stop"]["anyOf"][0]["maxItems"] == MAX_STOPS
    assert schema["components"]["schemas"]["ChatIn"]["properties"]["stream"]["type"] == "boolean"


def test_every_operation_documents_its_errors_in_the_error_shape(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "401", "429"} <= set(responses), (method, path)
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorOut"}


def test_search_and_upload_responses_are_typed(schema):
    search = schema["paths"]["/api/v1/search"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert search == {"$ref": "#/components/schemas/SearchOut"}
    passage = schema["components"]["schemas"]["PassageOut"]["properties"]
    assert {"document_id", "title", "page", "text", "score"} <= set(passage)
    upload = schema["paths"]["/api/v1/documents"]["post"]["responses"]
    assert {"200", "202"} <= set(upload) and "duplicate" in schema["components"]["schemas"]["DocumentOut"]["properties"]


def test_the_docs_page_loads_nothing_from_another_site():
    client = Client()
    client.force_login(User.objects.create_user("bob"))
    html = client.get("/api/v1/docs").content.decode()
    addresses = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert addresses and all(a.startswith("/static/") for a in addresses), addresses
    assert "cdn" not in html.lower() and "http" not in html.lower().replace("http-equiv", "")
