"""An upload while Redis is away is answered 503 and leaves no row and no file, so nothing waits for a task that
was never sent; a new version of a document is answered 503 and leaves the current version as it was, neither
`queued` for ever nor without its file (issue 18, item 14). Through the real web server,
whose Redis is a private one this test starts on a free loopback port and stops."""

import subprocess

import pytest

from tests import services
from tests.conftest import api_client, indexed
from webapp import errors
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)
NEW = b"The cafeteria serves gelato on Fridays."
# what a refused new version must leave as it was
KEPT = ("file", "original_name", "sha256", "size_bytes", "mime_type", "status", "stage", "error", "revision", "version")


def _start_redis(port: int, *options: str) -> subprocess.Popen:
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", *options], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    services.wait_until(lambda: _answers(port), timeout=10, what="private redis")
    return process


def _answers(port: int) -> bool:
    import redis

    try:
        return redis.Redis(port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return False


@pytest.fixture
def private_redis_web(stack_env, tmp_path):
    """A web server whose REDIS_URL is a private Redis; yields (base url, redis port)."""
    redis_port, web_port = services.free_port(), services.free_port()
    env = dict(stack_env, REDIS_URL=f"redis://127.0.0.1:{redis_port}/0")
    web = services.start_web(env, tmp_path / "web.log", web_port)
    base_url = f"http://127.0.0.1:{web_port}"
    try:
        services.wait_until(lambda: services.web_is_up(base_url), timeout=60, what="web", log_path=tmp_path / "web.log")
        yield base_url, redis_port
    finally:
        services.stop(web)


def test_an_upload_while_redis_is_down_is_503_and_leaves_no_row_and_no_file(private_redis_web, alice, handbook, settings):
    base_url, redis_port = private_redis_web

    def upload(client, name: str):
        return client.post("/documents", files={"file": (name, name.encode() * 10, "text/plain")},
                           data={"collection": "handbook"})

    with api_client(base_url, alice) as client:
        redis_server = _start_redis(redis_port)
        try:
            up = upload(client, "while-up.txt")
        finally:
            services.stop(redis_server)
        files_before = set(settings.MEDIA_ROOT.rglob("*"))

        down = upload(client, "while-down.txt")

    assert up.status_code == 202, up.text
    assert down.status_code == 503, down.text
    assert down.json()["error"] == {"code": "redis_unavailable", "message": errors.REDIS_DOWN}
    assert list(Document.objects.values_list("original_name", flat=True)) == ["while-up.txt"]
    assert set(settings.MEDIA_ROOT.rglob("*")) == files_before


def test_a_new_version_while_redis_is_down_is_503_and_the_current_version_stays(private_redis_web, alice, handbook,
                                                                                 own_index, settings):
    base_url, redis_port = private_redis_web
    document = indexed(handbook, "menu", "The cafeteria serves marzipan on Fridays.")
    redis_server = _start_redis(redis_port)
    services.stop(redis_server)
    files_before = {path: path.read_bytes() for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}

    with api_client(base_url, alice) as client:
        down = client.put(f"/documents/{document.pk}", files={"file": ("menu-v2.txt", NEW, "text/plain")})

    assert down.status_code == 503, down.text
    assert down.json()["error"] == {"code": "redis_unavailable", "message": errors.REDIS_DOWN}
    assert Document.objects.filter(pk=document.pk).values(*KEPT).get() == {name: getattr(document, name)
                                                                         for name in KEPT}
    assert {path: path.read_bytes() for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()} == files_before


def test_a_new_version_the_broker_refuses_after_commit_is_503_and_the_current_version_is_put_back(
        private_redis_web, alice, handbook, own_index, settings):
    base_url, redis_port = private_redis_web
    document = indexed(handbook, "menu", "The cafeteria serves marzipan on Fridays.")
    files_before = {path: path.read_bytes() for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()}
    # answers PING (the check before anything is stored) but refuses the LPUSH that queues a task
    redis_server = _start_redis(redis_port, "--rename-command", "LPUSH", "")
    try:
        with api_client(base_url, alice) as client:
            refused = client.put(f"/documents/{document.pk}", files={"file": ("menu-v2.txt", NEW, "text/plain")})
    finally:
        services.stop(redis_server)

    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "redis_unavailable"
    assert Document.objects.filter(pk=document.pk).values(*KEPT).get() == {name: getattr(document, name)
                                                                         for name in KEPT}
    assert {path: path.read_bytes() for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()} == files_before
