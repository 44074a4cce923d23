"""A worker dies mid-document, or a document takes too long: nothing is lost, duplicated or orphaned.

These tests stop and kill workers, so they run their own (and their own web server) with their own Redis key
prefix and index folder; the session worker never sees their tasks. The embedded index belongs to one process,
so its points are counted here once the worker is stopped.
"""

import os
import signal
import time
from pathlib import Path

import pytest

from bench.e2e import synthetic_pages
from ingestion.pipeline import ERR_TIME_LIMIT
from tests import services
from tests.conftest import api_client, wait_for_document
from webapp.documents.models import Chunk, Document

pytestmark = pytest.mark.django_db(transaction=True)


class Recovery(services.Stack):
    """A web server of its own, and workers started, killed and stopped by the tests one after another."""

    def start_worker(self, name: str, **env: str):
        log = self.folder / f"worker-{name}.log"
        process = services.start_worker(dict(self.env, **env), log, name=name)
        services.wait_until(lambda: self.worker_ready() or process.poll() is not None, timeout=300,
                            what=f"worker {name}", log_path=log)
        assert process.poll() is None, log.read_text()[-3000:]
        return process

    def worker_ready(self) -> bool:
        return self.readyz()["checks"]["worker"].startswith("ok")

    def wait_worker_gone(self) -> None:
        services.wait_until(lambda: not self.worker_ready(), timeout=60, what="heartbeat expiry")

    def index_counts(self, document_ids: list[int]) -> tuple[dict[int, int], int]:
        """Points per document and in all, read from the index folder (no worker may hold it open)."""
        from retrieval.index import open_index

        # The workers' one collection, named chunks_<model>_<dimensions>: no need to load the model here.
        folder, = Path(self.env["INDEX_PATH"]).iterdir()
        index = open_index(name=folder.name, dim=int(folder.name.rsplit("_", 1)[1]), path=folder.parent)
        try:
            return {pk: index.count(document_id=pk) for pk in document_ids}, index.count()
        finally:
            index.close()


@pytest.fixture(scope="module")
def stack(stack_env, tmp_path_factory):
    stack = Recovery(stack_env, tmp_path_factory.mktemp("recovery"), "recovery", LLM_MODEL_PATH="none",
                     TASK_VISIBILITY_TIMEOUT="60")
    port = services.free_port()
    stack.web = services.start_web(stack.env, stack.folder / "web.log", port)
    stack.url = f"http://127.0.0.1:{port}"
    services.wait_until(lambda: services.web_is_up(stack.url), timeout=60, what="web", log_path=stack.folder / "web.log")
    yield stack
    stack.__exit__()


def upload(stack: Recovery, user, name: str, content: bytes) -> int:
    with api_client(stack.url, user) as client:
        response = client.post("/documents", files={"file": (name, content)}, data={"collection": "handbook"})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.1)
    raise TimeoutError(what)


def test_a_document_whose_worker_was_killed_while_embedding_is_finished_by_the_next_worker(stack, alice, handbook):
    first = stack.start_worker("first")
    document_id = upload(stack, alice, "manual.md", synthetic_pages(150, seed=11))
    wait_for(lambda: Document.objects.filter(pk=document_id, status="embedding", progress__gte=50).exists(),
             timeout=600, what="embedding half done")
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert Document.objects.get(pk=document_id).status == Document.Status.EMBEDDING
    assert Chunk.objects.filter(document_id=document_id).exists()  # the dead attempt's unpublished version
    stack.wait_worker_gone()

    second = stack.start_worker("second")
    document = wait_for_document(document_id, timeout=600)
    services.stop(second)

    assert document.status == Document.Status.INDEXED, document.error
    chunks = Chunk.objects.filter(document=document)
    assert chunks.count() == document.chunk_count > 0
    assert set(chunks.values_list("version", flat=True)) == {document.version}
    counts, total = stack.index_counts([document_id])
    assert counts[document_id] == total == document.chunk_count


def test_a_document_over_the_time_limit_fails_saying_so_and_leaves_nothing_behind(stack, alice, handbook):
    worker = stack.start_worker("limited", INGEST_TIME_LIMIT_S="10")
    # Large enough to outlast 10 s on a quiet machine with the fastest embedder (it fails at the limit).
    document_id = upload(stack, alice, "long.md", synthetic_pages(800, seed=12))
    document = wait_for_document(document_id, timeout=300)
    services.stop(worker)

    assert document.status == Document.Status.FAILED
    assert document.error == ERR_TIME_LIMIT.format(limit=10)
    assert not Chunk.objects.filter(document=document).exists()
    counts, _ = stack.index_counts([document_id])
    assert counts[document_id] == 0
