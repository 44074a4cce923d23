"""Disk full while uploading: a clear error, and no half-written row or file.

A web server of its own whose data folder (originals included) is a 2 MB tmpfs mounted for this test; mounting
needs root, so the test is skipped where it cannot mount one. Its Redis key prefix is its own, so the one upload
that fits is never ingested by another test's worker.
"""

import os
import random
import subprocess
import uuid

import pytest

from tests import services
from tests.conftest import api_client
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def small_disk(stack_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("disk-full")
    data = folder / "data"
    data.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(data)],
                                                   capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("a size-limited folder needs root (mount -t tmpfs -o size=2m)")
    try:
        env = dict(stack_env, DATA_DIR=str(data), REDIS_KEY_PREFIX=f"acervo-diskfull-{uuid.uuid4().hex[:8]}:")
        port = services.free_port()
        web = services.start_web(env, folder / "web.log", port)
        url = f"http://127.0.0.1:{port}"
        try:
            services.wait_until(lambda: services.web_is_up(url), timeout=60, what="web", log_path=folder / "web.log")
            yield url, data
        finally:
            services.stop(web)
    finally:
        subprocess.run(["umount", str(data)], check=False)


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
