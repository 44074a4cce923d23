"""The VectorIndex contract, run once more over HTTP against `tests.qdrant_standin`: the stand-in that lets
several worker processes share one index in tests/test_topology.py answers the way a Qdrant server does.

The stand-in itself is a fake (qdrant-client's local mode behind Qdrant's REST routes) because no Qdrant server
can run on the test machine; `retrieval.index.server.ServerIndex`, the code under test, is the real one.
"""

import uuid

import pytest

from retrieval.index.server import ServerIndex
from tests import services
from tests.qdrant_standin import start_standin
from tests.test_index_contract import *  # noqa: F403  (every contract test, with the fixture below)
from tests.test_index_contract import DIM


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
