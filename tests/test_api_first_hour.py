"""What a new integrator meets first on /api/v1 (issue 17): every error in the JSON error shape with a status to
act on, fields named plainly, booleans strict, only real file types named. In-process: fast."""

import json

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponseServerError
from django.test import Client, RequestFactory

from webapp.accounts.models import ApiToken
from webapp.api.middleware import api_json_errors

pytestmark = pytest.mark.django_db(transaction=True)


def error_of(response) -> dict:
    body = json.loads(response.content)
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), body
    return body["error"]


@pytest.fixture
def staff():
    return User.objects.create_user("alice", password="alice-password", is_staff=True)


def api(user) -> Client:
    _, raw = ApiToken.issue(user=user)
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.mark.parametrize("authorization", [None, "Token acv_whatever", "Bearer acv_nope"])
def test_a_post_without_a_valid_bearer_token_is_the_401_a_get_gets(authorization):
    client = Client(enforce_csrf_checks=True, **({"HTTP_AUTHORIZATION": authorization} if authorization else {}))
    posted = client.post("/api/v1/chat", {"question": "hi"}, content_type="application/json")
    got = client.get("/api/v1/documents")
    assert posted.status_code == got.status_code == 401
    assert error_of(posted) == error_of(got) and "Bearer" in error_of(posted)["message"]


def test_a_signed_in_browser_still_needs_its_csrf_token_to_post(staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    response = client.post("/api/v1/chat", {"question": "hi"}, content_type="application/json")
    assert response.status_code == 403


def test_a_wrong_method_is_a_json_405_naming_the_allowed_one(staff):
    response = api(staff).get("/api/v1/chat")
    assert response.status_code == 405 and response["Allow"] == "POST"
    error = error_of(response)
    assert error["code"] == "method_not_allowed" and error["details"]["allowed"] == ["POST"]


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/documents", "/api/"])
def test_an_unknown_api_route_is_a_json_404(staff, path):
    response = api(staff).get(path)
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_a_page_outside_the_api_keeps_its_html_404(staff):
    response = Client().get("/documents/nope/")
    assert response.status_code in (302, 404) and not response.get("Content-Type", "").startswith("application/json")


def test_a_server_error_under_the_api_is_a_json_500():
    """The failing view is a stand-in (nothing of ours fails on purpose); the middleware is the real one."""
    request = RequestFactory().get("/api/v1/documents")
    response = api_json_errors(lambda request: HttpResponseServerError("<h1>Server Error (500)</h1>"))(request)
    assert response.status_code == 500 and error_of(response)["code"] == "server_error"


def test_a_missing_field_is_named_plainly(staff):
    response = api(staff).post("/api/v1/chat", {}, content_type="application/json")
    error = error_of(response)
    assert response.status_code == 400 and error["details"]["field"] == "question"
    assert error["message"] == "The field 'question' is missing."
    assert "body" not in str(error)


@pytest.mark.parametrize("value", ["yes", "true", 1, "1"])
def test_stream_must_be_a_boolean(staff, value):
    response = api(staff).post("/api/v1/chat", {"question": "hi", "stream": value}, content_type="application/json")
    assert response.status_code == 400 and error_of(response)["details"]["field"] == "stream"


@pytest.mark.parametrize("params, field", [({"temperature": True}, "params.temperature"),
                                           ({"max_tokens": 7.5}, "params.max_tokens"),
                                           ({"stop": [""]}, "params.stop.0")])
def test_a_generation_parameter_of_the_wrong_type_is_400_naming_it(staff, params, field):
    response = api(staff).post("/api/v1/chat", {"question": "hi", "params": params}, content_type="application/json")
    error = error_of(response)
    assert response.status_code == 400 and error["code"] == "invalid_param" and error["details"]["field"] == field


def test_the_415_names_only_formats_a_person_can_upload(staff):
    from webapp.access.models import Grant, Role
    from webapp.documents.models import Collection

    Grant.objects.create(collection=Collection.objects.create(name="handbook"), user=staff, role=Role.EDITOR)
    gzip = b"\x1f\x8b\x08\x00" + bytes(range(256)) * 64
    response = api(staff).post("/api/v1/documents", {"file": _file("blob.bin", gzip), "collection": "handbook"})
    message = error_of(response)["message"]
    assert response.status_code == 415 and "pdf" in message and "docx" in message
    for internal in ("corrupt-ole", "corrupt-zip", "encrypted-ooxml", "garbled", "binary"):
        assert internal not in message


def _file(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
