"""Faults the production topology survives (tests/topology.py: ingest workers sharing one index via QDRANT_URL).

- The ingest worker holding a large document is SIGKILLed mid-document as many times in a row as a document may
  outlive (each time whichever worker holds it then; each killed worker is started again, as a supervisor does):
  the document ends indexed, with exactly one chunk row and one index point per (document, version, ordinal),
  and the small documents uploaded meanwhile are all indexed too: nothing lost, nothing duplicated.
  One death more (lease.MAX_ATTEMPTS = 3 in a row) is taken as the file's own doing (a parser crash, memory)
  and fails the document with pipeline.ERR_CRASHED, which says what to do (by design, not a loss); what the dead
  attempts wrote, chunk rows and index points, goes with it.

Kept elsewhere: one kill mid-embedding with the embedded index (test_ingestion_recovery.py), Redis restarted
mid-answer (test_redis_restart.py), Redis down at upload (test_upload_broker_down.py), the Qdrant server down
(test_index_server_down.py), disk full (test_disk_full.py), PostgreSQL restarted or stopped mid-ingest
(test_postgres_restart.py, on a private cluster: the test machine's server is shared with other sessions).
"""

import os
import signal
import time

import pytest
from django.utils import timezone

from bench.e2e import synthetic_pages
from ingestion import lease
from ingestion.pipeline import ERR_CRASHED
from retrieval.index.server import ServerIndex
from tests.conftest import api_client, wait_for_document
from tests.topology import Topology
from webapp.documents.models import Chunk, Document

pytestmark = pytest.mark.django_db(transaction=True)
KILLS = lease.MAX_ATTEMPTS - 1  # in a row on one document; one more fails it on purpose (ERR_CRASHED)
WORKING = (Document.Status.PARSING, Document.Status.EMBEDDING)


@pytest.fixture(scope="module")
def topology(stack_env, tiny_model_path, tmp_path_factory):
    with Topology(stack_env, tmp_path_factory.mktemp("faults"), tiny_model_path, webs=1, ingesters=2, answerers=1,
                  LLM_MODEL_PATH="none", TASK_VISIBILITY_TIMEOUT="60") as running:
        yield running


def upload(url: str, user, name: str, content: bytes) -> int:
    with api_client(url, user) as client:
        response = client.post("/documents", files={"file": (name, content)}, data={"collection": "handbook"})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def holder(topology: Topology, document_id: int) -> str | None:
    """The name of the live worker whose attempt holds the document mid-stage now, if one does."""
    document = Document.objects.get(pk=document_id)
    if document.status not in WORKING or not document.lease_expires_at or document.lease_expires_at < timezone.now():
        return None
    pid = int(document.lease_owner.split(":")[-2])
    return next((name for name, p in topology.workers.items() if p.pid == pid and p.poll() is None), None)


def wait_for(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.2)
    raise TimeoutError(what)


def index_of(topology: Topology) -> ServerIndex:
    """The workers' collection on the shared index (its name is in their heartbeat)."""
    name = next(b["index"].removeprefix("ok: ") for b in topology.live() if b.get("index", "").startswith("ok: "))
    return ServerIndex(name=name, dim=int(name.rsplit("_", 1)[1]), url=topology.qdrant_url)


def kill_holders(topology: Topology, document_id: int, times: int, user) -> tuple[list, list[int]]:
    """SIGKILL whichever worker holds the document mid-stage, `times` in a row, starting each again (as a supervisor
    does) and uploading a small document after each kill; (what was killed when, the small documents' ids)."""
    url, small, killed = topology.urls[0], [], []
    for round_ in range(times):
        name = wait_for(lambda: holder(topology, document_id), timeout=120, what=f"a worker on it (round {round_})")
        time.sleep(1.5)  # well inside the stage: chunks and points of this attempt are being written
        assert Document.objects.get(pk=document_id).status in WORKING, "the document ended before the kills did"
        process = topology.workers[name]
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        now = Document.objects.get(pk=document_id)
        killed.append((name, now.status, round(now.progress)))
        topology.start_worker(name)
        note = f"Note {document_id}-{round_}: the badge office is room {round_}.".encode()
        small.append(upload(url, user, f"note-{document_id}-{round_}.txt", note))
    return killed, small


def points_of(topology: Topology, document_id: int) -> tuple[list, int]:
    """(the document's points, every point) in the shared index."""
    index = index_of(topology)
    try:
        points = list(index.scroll(document_ids=[document_id]))
        assert index.count(document_id=document_id) == len(points)
        return points, index.count()
    finally:
        index.close()


def test_killing_the_ingest_worker_mid_document_again_and_again_loses_and_duplicates_nothing(topology, alice, handbook):
    big = upload(topology.urls[0], alice, "manual.md", synthetic_pages(250, seed=21))
    killed, small = kill_holders(topology, big, KILLS, alice)

    document = wait_for_document(big, timeout=300)
    assert document.status == Document.Status.INDEXED, (document.error, killed)
    for document_id in small:
        assert wait_for_document(document_id, timeout=120).status == Document.Status.INDEXED

    rows = list(Chunk.objects.filter(document=document).values_list("version", "ordinal"))
    assert len(rows) == len(set(rows)) == document.chunk_count > 0, killed
    assert {version for version, _ in rows} == {document.version}
    points, total = points_of(topology, big)
    assert len(points) == document.chunk_count
    assert sorted((p.version, p.ordinal) for p in points) == sorted(rows), "one point per chunk, same version"
    every = Document.objects.exclude(status=Document.Status.FAILED)
    assert total == sum(d.chunk_count for d in every), "no points of a dead attempt's version left behind"


def test_one_death_more_fails_the_document_saying_why_and_leaves_nothing_of_it_behind(topology, alice, handbook):
    big = upload(topology.urls[0], alice, "crashes.md", synthetic_pages(250, seed=22))
    killed, small = kill_holders(topology, big, lease.MAX_ATTEMPTS, alice)

    document = wait_for_document(big, timeout=300)
    assert document.status == Document.Status.FAILED, killed
    assert document.error == ERR_CRASHED.format(n=lease.MAX_ATTEMPTS)
    for document_id in small:
        assert wait_for_document(document_id, timeout=120).status == Document.Status.INDEXED
    assert not Chunk.objects.filter(document=document).exists(), "the dead attempts' chunk rows are removed"
    points, _ = points_of(topology, big)
    assert points == [], "and their points"
