"""Liveness needs nothing; readiness names what is missing; chat answers 503 instead of hanging."""

import uuid

import httpx
import pytest

from tests import services
from tests.conftest import api_client

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_answers_without_touching_anything(web):
    assert httpx.get(f"{web}/healthz").json() == {"status": "ok"}


def test_readyz_is_ok_when_database_redis_worker_and_index_are_there(web, worker):
    body = httpx.get(f"{web}/readyz").json()
    assert body["status"] == "ok", body
    assert body["checks"]["index"].startswith("ok")


def test_with_redis_down_readyz_says_so_and_chat_is_503(stack_env, alice, tmp_path):
    """A web server pointed at a port where no Redis listens stands in for a dead Redis."""
    env = dict(stack_env, REDIS_URL=f"redis://127.0.0.1:{services.free_port()}/0")
    port = services.free_port()
    process = services.start_web(env, tmp_path / "web.log", port)
    try:
        base = f"http://127.0.0.1:{port}"
        services.wait_until(lambda: services.web_is_up(base), timeout=60, what="web")
        ready = httpx.get(f"{base}/readyz", timeout=20)
        assert ready.status_code == 503 and "redis" in ready.json()["missing"]
        with api_client(base, alice) as client:
            response = client.post("/chat", json={"question": "hello"}, timeout=20)
        assert response.status_code == 503 and response.json()["error"]["code"] == "redis_unavailable"
    finally:
        services.stop(process)


def test_with_no_worker_readyz_says_so_and_chat_is_503(stack_env, alice, tmp_path):
    """A key prefix no worker listens on stands in for a stopped worker."""
    env = dict(stack_env, REDIS_KEY_PREFIX=f"acervo-no-worker-{uuid.uuid4().hex[:8]}:")
    port = services.free_port()
    process = services.start_web(env, tmp_path / "web.log", port)
    try:
        base = f"http://127.0.0.1:{port}"
        services.wait_until(lambda: services.web_is_up(base), timeout=60, what="web")
        ready = httpx.get(f"{base}/readyz", timeout=20).json()
        assert "worker" in ready["missing"] and ready["checks"]["worker"].startswith("missing")
        with api_client(base, alice) as client:
            response = client.post("/chat", json={"question": "hello"}, timeout=20)
        assert response.status_code == 503 and response.json()["error"]["code"] == "worker_unavailable"
    finally:
        services.stop(process)
