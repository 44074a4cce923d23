"""A Qdrant server that is down is a passing fault: the worker starts, ingestion retries instead of failing the
document, and a search says which server it could not reach. A worker of its own, with QDRANT_URL on a port
where nothing listens."""

import httpx
import pytest

from tests import services
from tests.conftest import api_client
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def down(stack_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("qdrant-down")
    qdrant_url = f"http://127.0.0.1:{services.free_port()}"
    with services.Stack(stack_env, folder, "qdrantdown", QDRANT_URL=qdrant_url) as stack:
        yield stack, qdrant_url


def test_an_ingest_that_cannot_reach_the_index_is_retried_not_failed(down, alice, handbook):
    stack, qdrant_url = down
    with api_client(stack.url, alice) as client:
        uploaded = client.post("/documents", files={"file": ("v.txt", b"Vacation is thirty days.", "text/plain")},
                               data={"collection": "handbook"}).json()

    retrying = f"ingest of document {uploaded['id']} hit IndexUnreachable"
    log = stack.folder / "worker.log"
    failed = Document.objects.filter(pk=uploaded["id"], status=Document.Status.FAILED)
    services.wait_until(lambda: retrying in log.read_text() or failed.exists(), timeout=60, what="a retry",
                        log_path=log)

    document = Document.objects.get(pk=uploaded["id"])
    assert document.status != Document.Status.FAILED and document.error == "", document.error
    assert retrying in log.read_text() and qdrant_url in log.read_text()


def test_a_search_that_cannot_reach_the_index_is_503_naming_qdrant_url(down, alice, handbook):
    stack, qdrant_url = down
    with api_client(stack.url, alice) as client:
        response = client.post("/search", json={"query": "vacation"})

    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert error["code"] == "index_unreachable"
    assert qdrant_url in error["message"] and "QDRANT_URL" in error["message"]


def test_readyz_names_the_unreachable_index_within_a_heartbeat(down):
    stack, qdrant_url = down
    services.wait_until(lambda: stack.readyz()["checks"]["index"].startswith("error"), timeout=30, what="index check")
    response = httpx.get(f"{stack.url}/readyz", timeout=5)

    assert response.status_code == 503 and "index" in response.json()["missing"]
    assert qdrant_url in response.json()["checks"]["index"]
