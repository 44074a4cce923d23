"""A body too large is refused from its Content-Length before it is read, on any URL, and one without a login
may be small (issue 18, item 12). Through the real ASGI server: Django reads a body before its middleware runs."""

import socket
import time

import httpx
import pytest
from django.conf import settings

from tests.conftest import api_client
from webapp.body_limit import ANONYMOUS_TOO_LARGE

pytestmark = pytest.mark.django_db(transaction=True)
GIB = 2**30


def _declare_only(base_url: str, path: str, length: int, headers: str = "") -> tuple[str, float]:
    """Send only the headers of a request declaring `length` bytes; the status line back and how long it took."""
    host, port = base_url.removeprefix("http://").split(":")
    started = time.monotonic()
    with socket.create_connection((host, int(port)), timeout=10) as conn:
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/octet-stream\r\n"
                     f"Content-Length: {length}\r\n{headers}\r\n".encode())
        try:
            reply = conn.recv(4096).decode(errors="replace")
        except TimeoutError:
            reply = "(no answer: the server waits for the body)"
    return reply.split("\r\n", 1)[0], time.monotonic() - started


@pytest.mark.parametrize("path", ["/healthz", "/accounts/login/", "/api/v1/documents", "/no-such-page"])
def test_a_huge_declared_body_is_refused_at_once_without_being_read(web, path):
    status, took = _declare_only(web, path, GIB)

    assert status == "HTTP/1.1 413 Request Entity Too Large", status
    assert took < 5


def test_a_body_without_a_login_is_limited_to_a_small_size(web):
    small = settings.MAX_ANONYMOUS_BODY_KB * 1024
    refused = httpx.post(f"{web}/accounts/login/", content=b"x" * (small + 1))
    accepted = httpx.post(f"{web}/accounts/login/", content=b"x" * small)

    assert refused.status_code == 413
    assert refused.json()["error"]["message"] == ANONYMOUS_TOO_LARGE.format(limit=settings.MAX_ANONYMOUS_BODY_KB)
    assert accepted.status_code != 413


def test_a_chunked_body_without_a_login_is_cut_off_at_the_limit(web):
    def chunks():
        for _ in range(1000):
            yield b"x" * 64 * 1024

    response = httpx.post(f"{web}/healthz", content=chunks())

    assert response.status_code == 413


def test_a_forged_session_cookie_is_not_a_login(web):
    body = b"x" * (settings.MAX_ANONYMOUS_BODY_KB * 1024 + 1)
    response = httpx.post(f"{web}/api/v1/documents", content=body, cookies={settings.SESSION_COOKIE_NAME: "forged"},
                          headers={"Authorization": "Bearer not-a-token"})

    assert response.status_code == 413


def test_a_user_with_a_token_may_send_a_larger_body_up_to_the_upload_limit(web, alice, handbook):
    with api_client(web, alice) as client:
        size = settings.MAX_ANONYMOUS_BODY_KB * 1024 * 4
        uploaded = client.post("/documents", files={"file": ("big.txt", b"word " * (size // 5), "text/plain")},
                               data={"collection": "handbook"})
        status, _ = _declare_only(web, "/api/v1/documents", settings.MAX_UPLOAD_MB * 2**20 + 2**20,
                                  headers=f"Authorization: {client.headers['Authorization']}\r\n")

    assert uploaded.status_code == 202, uploaded.text
    assert status == "HTTP/1.1 413 Request Entity Too Large"


def test_a_signed_in_session_may_send_a_larger_body(web, alice):
    from django.test import Client

    client = Client()
    client.force_login(alice)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    body = b"x" * (settings.MAX_ANONYMOUS_BODY_KB * 1024 * 4)

    response = httpx.post(f"{web}/healthz", content=body, cookies={settings.SESSION_COOKIE_NAME: session})

    assert response.status_code != 413
