"""The VectorIndex contract, run once more over HTTP against `tests.qdrant_standin`: the stand-in that lets
several worker processes share one index in tests/test_topology.py answers the way a Qdrant server does.

The stand-in itself is a fake (qdrant-client's local mode behind Qdrant's REST routes) because no Qdrant server
can run on the test machine; `retrieval.index.server.ServerIndex`, the code under test, is the real one.
"""

import subprocess
import sys
import uuid

import httpx
import pytest

from retrieval.index.server import ServerIndex
from tests import services
from tests.test_index_contract import *  # noqa: F403  (every contract test, with the fixture below)
from tests.test_index_contract import DIM


def start_standin(folder, log) -> tuple[subprocess.Popen, str]:
    """The stand-in on a free loopback port, serving a local-mode index in `folder`; (process, url)."""
    port = services.free_port()
    command = [sys.executable, "-m", "tests.qdrant_standin", "--port", str(port), "--path", str(folder)]
    process = subprocess.Popen(command, cwd=services.ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(url, timeout=1).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    services.wait_until(up, timeout=30, what="qdrant stand-in", log_path=log)
    assert process.poll() is None, log.read_text()[-2000:]
    return process, url


@pytest.fixture(scope="module")
def standin(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qdrant-standin")
    process, url = start_standin(folder / "data", folder / "standin.log")
    yield url
    services.stop(process)


@pytest.fixture
def open_backend(standin):
    """A ServerIndex on the stand-in, in a collection of this test's own."""
    opened, name = [], f"chunks_standin_{uuid.uuid4().hex[:8]}_{DIM}"

    def _open(**options):
        index = ServerIndex(name=name, dim=DIM, url=standin, **options)
        opened.append(index)
        return index

    yield _open
    for index in opened:
        index.close()
