"""Disk full while uploading or indexing: a clear error, and no half-written row or file, no crashed process.

- A web server of its own whose data folder (originals included) is a 2 MB tmpfs: an upload that does not fit is
  a 507 naming the lack of space. Its Redis key prefix is its own, so the upload that fits is never ingested.
- A worker whose embedded index (INDEX_PATH) is on a 2 MB tmpfs: the engine would die of a bus error creating its
  write-ahead log there; instead /readyz names the index error (INDEX_PATH and the space missing), and the worker
  stays up.

Mounting needs root, so the tests are skipped where a tmpfs cannot be mounted.
"""

import os
import random
import subprocess
import time
import uuid
from contextlib import contextmanager

import httpx
import pytest

from tests import services
from tests.conftest import api_client
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def two_megabytes(folder):
    """`folder` as a 2 MB tmpfs while the block runs."""
    folder.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)],
                                                   capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("a size-limited folder needs root (mount -t tmpfs -o size=2m)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)


def own_env(stack_env, **overrides) -> dict:
    return dict(stack_env, REDIS_KEY_PREFIX=f"acervo-diskfull-{uuid.uuid4().hex[:8]}:", **overrides)


@pytest.fixture(scope="module")
def small_disk(stack_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("disk-full")
    with two_megabytes(folder / "data") as data:
        port = services.free_port()
        web = services.start_web(own_env(stack_env, DATA_DIR=str(data)), folder / "web.log", port)
        url = f"http://127.0.0.1:{port}"
        try:
            services.wait_until(lambda: services.web_is_up(url), timeout=60, what="web", log_path=folder / "web.log")
            yield url, data
        finally:
            services.stop(web)


def noise(size: int, seed: int) -> bytes:
    """Text that does not compress or repeat: each upload is a new document."""
    rng = random.Random(seed)
    return "\n".join(" ".join(f"{rng.getrandbits(40):x}" for _ in range(12)) for _ in range(size // 130)).encode()


def files_under(folder) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.is_file()}


def test_an_upload_that_fills_the_disk_is_a_clear_507_and_leaves_no_row_and_no_file(small_disk, alice, handbook):
    url, data = small_disk
    with api_client(url, alice) as client:
        fits = client.post("/documents", files={"file": ("fits.txt", noise(700_000, 1), "text/plain")},
                           data={"collection": "handbook"})
        assert fits.status_code == 202, fits.text
        before = files_under(data)
        too_big = client.post("/documents", files={"file": ("too-big.txt", noise(1_800_000, 2), "text/plain")},
                              data={"collection": "handbook"})

    assert too_big.status_code == 507, too_big.text
    error = too_big.json()["error"]
    assert error["code"] == "storage_full" and "space" in error["message"].lower()
    assert list(Document.objects.values_list("original_name", flat=True)) == ["fits.txt"]
    assert files_under(data) == before, "no half-written original left behind"



def test_a_worker_whose_index_disk_is_full_stays_up_and_readyz_names_index_path(stack_env, tmp_path):
    with two_megabytes(tmp_path / "index") as index:
        env = own_env(stack_env, INDEX_PATH=str(index), LLM_MODEL_PATH="none")
        worker = services.start_worker(env, tmp_path / "worker.log", name="idxfull")
        port = services.free_port()
        web = services.start_web(env, tmp_path / "web.log", port)
        url = f"http://127.0.0.1:{port}"
        try:
            services.wait_until(lambda: services.web_is_up(url), timeout=60, what="web", log_path=tmp_path / "web.log")

            def index_check() -> str:
                check = httpx.get(f"{url}/readyz", timeout=5).json()["checks"]["index"]
                return check if check.startswith("error") or worker.poll() is not None else ""

            check = services.wait_until(index_check, timeout=120, what="the index check",
                                        log_path=tmp_path / "worker.log")
            time.sleep(4)  # a heartbeat later, the worker still beats
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
            assert "INDEX_PATH" in check and "MB free" in check, check
            assert httpx.get(f"{url}/readyz", timeout=5).status_code == 503
        finally:
            services.stop(web)
            services.stop(worker)
