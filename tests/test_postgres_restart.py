"""PostgreSQL restarts, or stops for a few seconds, while a document is being embedded: the document still ends
indexed, with exactly one chunk row and one index point per (document, version, ordinal), within a bounded time;
the worker stays up; the web answers 503 `database_unavailable` (API, pages) while the database is away, and 200
again as soon as it is back.

The attempt that loses the database fails on its next statement (Django's OperationalError or InterfaceError: a
transient fault), keeps its lease a while, and is retried with back-off (ingestion.tasks: 2, 4, 8, 16, 16 s); the
retry takes the lease over and starts from the parse, discarding what the broken attempt wrote. A retry continues
the count of the attempt it retries (ingestion.lease: a fault is not a crash): restarted lease.MAX_ATTEMPTS times
in a row, the document used to fail as "the worker stopped 3 times".

Not tested here: a database away for longer than the retries' back-off (~46 s). The last retry cannot write the
failure either, so the document is left to the sweep, which queues it again once the database is back and the
lease has run out (ingestion.lease.requeue_stale).

The machine's PostgreSQL is shared with other sessions, so this starts a cluster of its own
(tests/private_postgres.py) with a web server and a worker of their own on it, and an index server stand-in
(tests.qdrant_standin) this test reads while the worker runs. Skipped when PostgreSQL's server is not installed.
"""

import time
from dataclasses import dataclass

import httpx
import pytest

from bench.e2e import synthetic_pages
from ingestion import lease
from retrieval.index.server import ServerIndex
from tests import services
from tests.private_postgres import NO_SERVER, PrivatePostgres, binaries
from tests.qdrant_standin import start_standin
from tests.test_answer_sweep import logged_in
from webapp.errors import DATABASE_DOWN

pytestmark = pytest.mark.skipif(binaries() is None, reason=NO_SERVER)
PAGES = 30  # about 90 chunks: several seconds of embedding on 2 cores, so the fault lands mid-document
ENDS_WITHIN_S = 120  # from the fault: the retries' back-off (at most ~46 s) plus a whole second attempt
STOPPED_S = 6
# In a row on one document: as many as would fail it (lease.MAX_ATTEMPTS) if each were counted as the worker dying.
RESTARTS = lease.MAX_ATTEMPTS


@dataclass
class Outage:
    stack: services.Stack  # a web server and a worker on the private cluster
    server: PrivatePostgres
    api: httpx.Client  # alice's, on the stack's web server
    index_url: str  # the index server the worker writes to


@pytest.fixture(scope="module")
def outage(stack_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("postgres-restart")
    server = PrivatePostgres()
    try:
        server.create()
        token = server.seed(stack_env)
        index, qdrant_url = start_standin(folder / "qdrant", folder / "qdrant.log")
        try:
            with services.Stack(stack_env, folder, "pgrestart", DATABASE_URL=server.url, QDRANT_URL=qdrant_url,
                                LLM_MODEL_PATH="none") as stack:
                with httpx.Client(base_url=f"{stack.url}/api/v1", timeout=30,
                                  headers={"Authorization": f"Bearer {token}"}) as api:
                    yield Outage(stack, server, api, qdrant_url)
        finally:
            services.stop(index)
    finally:
        server.destroy()


def upload(api: httpx.Client, name: str, content: bytes) -> int:
    response = api.post("/documents", files={"file": (name, content)}, data={"collection": "handbook"})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def document_row(server: PrivatePostgres, document_id: int) -> dict | None:
    """The document as the database has it; None while the database is away."""
    fields = ("status", "progress", "error", "version", "chunk_count", "lease_owner")
    try:
        rows = server.execute(f"SELECT {', '.join(fields)} FROM documents_document WHERE id = %s", document_id)
    except Exception:  # psycopg's OperationalError: stopped or starting
        return None
    return dict(zip(fields, rows[0], strict=True))


def embedding_under_way(server: PrivatePostgres, document_id: int, seen: tuple[str, ...] = ()) -> dict:
    """The document once an attempt not in `seen` (their lease owners) is embedding it, 40 % or more; or once it
    ended (then the caller's assertion says how)."""
    def under_way():
        row = document_row(server, document_id)
        if row and (row["status"] in ("indexed", "failed") or
                    row["status"] == "embedding" and row["progress"] >= 40 and row["lease_owner"] not in seen):
            return row
        return None

    return services.wait_until(under_way, timeout=180, what="an attempt embedding the document")


def ended(server: PrivatePostgres, document_id: int) -> dict:
    def ended_row():
        row = document_row(server, document_id)
        return row if row and row["status"] in ("indexed", "failed") else None

    return services.wait_until(ended_row, timeout=ENDS_WITHIN_S, what="the document to end indexed or failed")


def assert_written_once(outage: Outage, document_id: int, document: dict) -> None:
    """One chunk row and one index point per (version, ordinal), of the published version only."""
    rows = outage.server.execute("SELECT version, ordinal FROM documents_chunk WHERE document_id = %s", document_id)
    assert len(rows) == len(set(rows)) == document["chunk_count"] > 0
    assert {version for version, _ in rows} == {document["version"]}
    name = outage.stack.readyz()["checks"]["index"].removeprefix("ok: ")
    index = ServerIndex(name=name, dim=int(name.rsplit("_", 1)[1]), url=outage.index_url)
    try:
        points = list(index.scroll(document_ids=[document_id]))
    finally:
        index.close()
    assert sorted((p.version, p.ordinal) for p in points) == sorted(rows), "one point per chunk row, same version"


def assert_the_fault_reached_the_attempt(stack: services.Stack, document_id: int, times: int = 1) -> None:
    log = (stack.folder / "worker.log").read_text()
    assert log.count(f"ingest of document {document_id} hit") >= times, "an attempt never met the fault"
    assert stack.worker.poll() is None, log[-4000:]


def test_restarts_mid_embedding_in_a_row_end_the_document_indexed_once_and_the_web_answers_at_once(outage):
    stack, server, api = outage.stack, outage.server, outage.api
    document_id = upload(api, "restart.md", synthetic_pages(PAGES, seed=41))
    attempts: tuple[str, ...] = ()
    answers = []
    for round_ in range(RESTARTS):
        attempt = embedding_under_way(server, document_id, seen=attempts)
        assert attempt["status"] == "embedding", (round_, attempt)
        attempts += (attempt["lease_owner"],)
        server.restart()
        answers.append(api.get(f"/documents/{document_id}").status_code)
    document = ended(server, document_id)

    assert answers == [200] * RESTARTS, "the web answers as soon as the database is back"
    assert document["status"] == "indexed", document
    assert_the_fault_reached_the_attempt(stack, document_id, times=RESTARTS)
    assert_written_once(outage, document_id, document)


def test_a_database_stopped_mid_embedding_is_a_503_while_away_and_the_document_is_indexed_once_after(outage):
    stack, server, api = outage.stack, outage.server, outage.api
    browser = logged_in(stack.url, "alice", "alice-password")
    document_id = upload(api, "stopped.md", synthetic_pages(PAGES, seed=42))
    embedding_under_way(server, document_id)

    server.stop("immediate")  # as if it crashed
    stopped = time.monotonic()
    try:
        away = api.get(f"/documents/{document_id}")
        page = browser.get("/documents/")
        openai = httpx.get(f"{stack.url}/v1/models", headers=api.headers, timeout=10)
        ready = httpx.get(f"{stack.url}/readyz", timeout=10)
        time.sleep(max(0.0, STOPPED_S - (time.monotonic() - stopped)))
    finally:
        server.start()
    back = api.get(f"/documents/{document_id}")
    document = ended(server, document_id)
    browser.close()

    assert away.status_code == 503, away.text
    assert away.json()["error"] == {"code": "database_unavailable", "message": DATABASE_DOWN}
    assert away.headers["Retry-After"] == "5"
    assert openai.status_code == 503 and openai.json()["error"]["code"] == "database_unavailable", openai.text
    assert openai.json()["error"]["type"] == "server_error"  # the SDKs retry a 503
    assert page.status_code == 503 and "The database is not answering right now" in page.text, page.text[:500]
    assert ready.status_code == 503 and ready.json()["checks"]["database"].startswith("error"), ready.text
    assert back.status_code == 200, back.text
    assert document["status"] == "indexed", document
    assert_the_fault_reached_the_attempt(stack, document_id)
    assert_written_once(outage, document_id, document)
