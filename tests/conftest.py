"""Shared fixtures: three users (alice, bob on alice's team, charlie with no access), a real Celery
worker, the real ASGI web server, and an API client. Nothing of ours is mocked.

Tests that go through the worker or the web server use `transaction=True` so the other processes
see the rows they write.
"""

import time
import uuid
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import connection

from retrieval.contracts import events
from tests import services
from webapp.access.grants import grant
from webapp.access.models import Role
from webapp.accounts.models import ApiToken
from webapp.documents.models import Collection, Document

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def _retry_flush_on_deadlock():
    """PostgreSQL may pick the flush between tests as a deadlock victim when a live worker's background
    sweep updates a row at that moment; the worker is real, so the flush is retried rather than the
    worker silenced. (Patches Django's test machinery, not our code.)"""
    from django.core.management.base import CommandError
    from django.test import testcases

    teardown = testcases.TransactionTestCase._fixture_teardown

    def retrying(self):
        for attempt in range(4):
            try:
                return teardown(self)
            except CommandError as exc:
                if attempt == 3 or "deadlock" not in str(exc.__cause__ or "").lower():
                    raise
                time.sleep(0.5)

    testcases.TransactionTestCase._fixture_teardown = retrying


_retry_flush_on_deadlock()


@pytest.fixture(autouse=True)
def _language_reset():
    """Each test starts in the default language. Django's test client runs requests in this thread, and
    LocaleMiddleware leaves the language of the last request active (a pt-BR request then turned later tests'
    English texts Portuguese, depending on the order the suite ran in)."""
    from django.utils import translation

    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def tiny_model_path() -> Path:
    path = Path(settings.LLM_MODEL_PATH)
    if not path.exists():
        from retrieval.testmodel import write_tiny_gguf

        path.parent.mkdir(parents=True, exist_ok=True)
        write_tiny_gguf(path)
    return path


@pytest.fixture(scope="session")
def stack_env(django_db_setup, tiny_model_path):
    """Environment for child processes: the test database, this run's Redis key prefix, the tiny model."""
    from django.db import connection

    return services.child_env(services.database_url(connection.settings_dict))


@pytest.fixture(scope="session")
def worker(stack_env, tmp_path_factory):
    log = tmp_path_factory.mktemp("logs") / "worker.log"
    process = services.start_worker(stack_env, log)

    def ready():
        return any(w.get("ready") for w in events.live_workers()) or process.poll() is not None

    services.wait_until(ready, timeout=180, what="celery worker", log_path=log)
    assert process.poll() is None, log.read_text()[-3000:]
    yield process
    services.stop(process)


@pytest.fixture(scope="session")
def web(stack_env, tmp_path_factory) -> str:
    log = tmp_path_factory.mktemp("logs") / "web.log"
    port = services.free_port()
    process = services.start_web(stack_env, log, port)
    base_url = f"http://127.0.0.1:{port}"
    services.wait_until(lambda: services.web_is_up(base_url), timeout=60, what="web server", log_path=log)
    yield base_url
    services.stop(process)


@pytest.fixture
def team(transactional_db):
    return Group.objects.create(name="team")


def leads() -> Group:
    """The group that manages the team's collections (`shared_with_team`); alice is in it."""
    return Group.objects.get_or_create(name="leads")[0]


def shared_with_team(collection: Collection, team: Group) -> Collection:
    """The team reads `collection`, its leads (alice) manage it: upload, replace, delete, edit."""
    grant(collection, group=team, role=Role.READER)
    grant(collection, group=leads(), role=Role.MANAGER)
    return collection


@pytest.fixture
def alice(team):
    """Staff, in the team, and one of its leads: a manager of the team's collections."""
    user = User.objects.create_user("alice", password="alice-password", is_staff=True)
    user.groups.add(team, leads())
    return user


@pytest.fixture
def bob(team):
    user = User.objects.create_user("bob", password="bob-password")
    user.groups.add(team)
    return user


@pytest.fixture
def charlie(transactional_db):
    return User.objects.create_user("charlie", password="charlie-password")


@pytest.fixture
def handbook(team):
    return shared_with_team(Collection.objects.create(name="handbook"), team)


def api_client(base_url: str, user) -> httpx.Client:
    _, raw = ApiToken.issue(user=user)
    return httpx.Client(base_url=f"{base_url}/api/v1", headers={"Authorization": f"Bearer {raw}"}, timeout=120)


@pytest.fixture
def alice_api(web, worker, alice):
    with api_client(web, alice) as client:
        yield client


@pytest.fixture
def own_index(tmp_path):
    """An embedded index in this test's folder, for tests that run the pipeline and search in this process."""
    from django.test.utils import override_settings

    from retrieval import components

    components.close_all()  # an index this process opened before would stay in use
    with override_settings(INDEX_PATH=tmp_path / "index"):
        yield
        components.close_all()


def indexed(collection: Collection, title: str, text: str) -> Document:
    """A text document ingested in this process (real pipeline, embedding model and index; see `own_index`)."""
    from django.core.files.base import ContentFile

    from ingestion.pipeline import ingest_document

    document = Document(collection=collection, title=title, original_name=f"{title}.txt", size_bytes=len(text))
    document.file.save(f"{title}.txt", ContentFile(text.encode()), save=False)
    document.save()
    ingest_document(document.pk)
    document.refresh_from_db()
    assert document.status == Document.Status.INDEXED, document.error
    return document


def wait_for_document(document_id: int, timeout: float = 120) -> Document:
    """Until the worker ends the document (indexed or failed)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = Document.objects.get(pk=document_id)
        if document.status in (Document.Status.INDEXED, Document.Status.FAILED):
            return document
        time.sleep(0.2)
    raise TimeoutError(f"document {document_id} still {document.status} after {timeout} s")


def uploaded(client: httpx.Client, name: str, text: str, collection: str = "handbook") -> Document:
    """A text file uploaded through the API and indexed by the worker."""
    response = client.post("/documents", files={"file": (name, text.encode(), "text/plain")},
                           data={"collection": collection})
    document = wait_for_document(response.json()["id"])
    assert document.status == "indexed", document.error
    return document


def sse_events(response: httpx.Response):
    """(id, event, data) for each event of a text/event-stream response, as they arrive."""
    import json

    event_id, event, data = "", "", ""
    for line in response.iter_lines():
        if line.startswith("id:"):
            event_id = line[3:].strip()
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data += line[5:].strip()
        elif line == "" and event:
            yield event_id, event, json.loads(data) if data else {}
            event_id, event, data = "", "", ""


def read_sse(response: httpx.Response) -> list[tuple[str, str, dict]]:
    """(id, event, data) for every event of a text/event-stream response, in order."""
    return list(sse_events(response))


def first_tokens(response: httpx.Response, n: int) -> tuple[list[str], int | None, str | None]:
    """Read an answer's stream until its `n`th token: (the tokens' texts, the message id, the last event id seen),
    leaving the rest unread (a reader that drops there resumes with Last-Event-ID)."""
    tokens, message_id, last_id = [], None, None
    for event_id, event, data in sse_events(response):
        if event in ("sources", "token"):
            message_id = message_id or data.get("message_id")
            if event == "token":
                tokens.append(data["text"])
            last_id = event_id
            if len(tokens) == n:
                break
    return tokens, message_id, last_id


def pytest_terminal_summary(terminalreporter):
    """Say in one line when the shared real-world documents were missing: their tests are skipped, not passed."""
    from tests.test_parsers import DOCS, NO_DOCS

    skipped = [report for report in terminalreporter.stats.get("skipped", []) if NO_DOCS in str(report.longrepr)]
    if skipped:
        terminalreporter.write_sep("-", f"{len(skipped)} tests skipped: the shared test documents are not at {DOCS}",
                                   yellow=True)
        terminalreporter.write_line("    put the shared/ folder beside the repository (as CI does) to run them")


@pytest.fixture
def fresh_database_url(tmp_path):
    """An empty database of the session's engine for the restored install (SQLite: a new file; PostgreSQL: a new
    database on the same server, dropped afterwards)."""
    if connection.vendor == "sqlite":
        (tmp_path / "database").mkdir()
        yield f"sqlite:///{tmp_path / 'database' / 'acervo.sqlite3'}"
        return
    name = f"acervo_restore_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    yield services.database_url(dict(connection.settings_dict, NAME=name))
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
