"""Bad input gets the documented error, nothing is half-written, and the worker stays alive."""

import httpx
import pytest

from tests.conftest import api_client, wait_for_document
from webapp.chat.models import Message
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


def error_of(response: httpx.Response) -> dict:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"])
    return body["error"]


def test_a_missing_or_invalid_token_is_401(web, alice):
    assert error_of(httpx.get(f"{web}/api/v1/documents/1"))["code"] == "unauthorized"
    response = httpx.get(f"{web}/api/v1/documents/1", headers={"Authorization": "Bearer acv_nope"})
    assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"


def test_an_unknown_document_is_404(alice_api):
    response = alice_api.get("/documents/999999")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_another_groups_document_is_404_not_403(web, worker, alice, charlie, handbook):
    document = Document.objects.create(collection=handbook, title="secret", sha256="x")
    with api_client(web, charlie) as client:
        assert client.get(f"/documents/{document.pk}").status_code == 404


def test_an_empty_file_is_400_and_stores_nothing(alice_api, handbook):
    response = alice_api.post("/documents", files={"file": ("empty.txt", b"", "text/plain")}, data={"collection": "handbook"})
    assert response.status_code == 400 and error_of(response)["code"] == "empty_file"
    assert not Document.objects.exists()


def test_an_unsupported_file_type_is_415(alice_api, handbook):
    gzip = b"\x1f\x8b\x08\x00" + bytes(range(256)) * 64  # recognised, never read (unknown bytes go to LibreOffice)
    response = alice_api.post("/documents", files={"file": ("blob.bin", gzip, "application/octet-stream")},
                              data={"collection": "handbook"})
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
    assert not Document.objects.exists()


def test_an_upload_of_noise_is_415_saying_what_to_do_and_stores_nothing(alice_api, handbook):
    noise = bytes(range(256)) * 64
    response = alice_api.post("/documents", files={"file": ("relatorio.pdf", noise, "application/pdf")},
                              data={"collection": "handbook"})
    assert response.status_code == 415 and error_of(response)["code"] == "unsupported_media_type"
    assert "not a valid PDF and its bytes are not readable text" in error_of(response)["message"]
    assert not Document.objects.exists()


def test_an_oversized_upload_is_413(alice_api, handbook, settings):
    big = b"a" * (settings.MAX_UPLOAD_MB * 1024 * 1024 + 200_000)
    response = alice_api.post("/documents", files={"file": ("big.txt", big, "text/plain")}, data={"collection": "handbook"})
    assert response.status_code == 413 and error_of(response)["code"] == "file_too_large"
    assert not Document.objects.exists()


def test_a_non_staff_user_cannot_upload(web, worker, bob, handbook):
    with api_client(web, bob) as client:
        response = client.post("/documents", files={"file": ("a.txt", b"hello", "text/plain")}, data={"collection": "handbook"})
    assert response.status_code == 403


def test_the_same_content_twice_is_recognised_not_indexed_twice(alice_api, handbook):
    first = alice_api.post("/documents", files={"file": ("a.txt", b"same words here", "text/plain")}, data={"collection": "handbook"})
    second = alice_api.post("/documents", files={"file": ("b.txt", b"same words here", "text/plain")}, data={"collection": "handbook"})
    assert first.json()["id"] == second.json()["id"]
    assert (first.status_code, first.json()["duplicate"]) == (202, False)
    assert (second.status_code, second.json()["duplicate"]) == (200, True)
    assert Document.objects.count() == 1


def test_malformed_json_is_400(alice_api):
    response = alice_api.post("/chat", content=b"{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400 and error_of(response)["code"] == "invalid_request"


def test_a_question_too_long_is_400_naming_the_field(alice_api, settings):
    response = alice_api.post("/chat", json={"question": "x" * (settings.MAX_QUESTION_CHARS + 1)})
    assert response.status_code == 400
    assert error_of(response)["details"]["field"] == "question"
    assert not Message.objects.exists()


@pytest.mark.parametrize("params, field", [({"temperature": 5}, "params.temperature"), ({"max_tokens": 0}, "params.max_tokens"),
                                           ({"top_p": "high"}, "params.top_p"), ({"bogus": 1}, "params.bogus")])
def test_a_bad_generation_parameter_is_400_naming_it(alice_api, params, field):
    response = alice_api.post("/chat", json={"question": "hello", "params": params})
    assert response.status_code == 400 and error_of(response)["details"]["field"] == field


def test_an_unknown_collection_is_404(alice_api):
    response = alice_api.post("/chat", json={"question": "hello", "collection": "nope"})
    assert response.status_code == 404


def test_a_file_that_cannot_be_read_fails_with_a_reason_and_the_worker_lives_on(alice_api, handbook):
    response = alice_api.post("/documents", files={"file": ("blank.txt", b"   \n\n  \n", "text/plain")}, data={"collection": "handbook"})
    document = wait_for_document(response.json()["id"])
    assert document.status == Document.Status.FAILED and "no text found" in document.error

    again = alice_api.post("/documents", files={"file": ("ok.txt", b"The worker is still alive.", "text/plain")},
                           data={"collection": "handbook"})
    assert wait_for_document(again.json()["id"]).status == Document.Status.INDEXED


def test_too_many_requests_in_a_minute_is_429(stack_env, alice, tmp_path):
    from tests import services

    env = dict(stack_env, API_RATE_LIMIT_PER_MINUTE="3")
    port = services.free_port()
    process = services.start_web(env, tmp_path / "web.log", port)
    try:
        base = f"http://127.0.0.1:{port}"
        services.wait_until(lambda: services.web_is_up(base), timeout=60, what="web")
        with api_client(base, alice) as client:
            statuses = [client.get("/documents/999999").status_code for _ in range(5)]
            limited = client.get("/documents/999999")
        assert statuses[:3] == [404, 404, 404] and limited.status_code == 429
        assert error_of(limited)["code"] == "rate_limited"
    finally:
        services.stop(process)
