"""An answer's evidence record, and a person's erasure, end to end: real worker, web server, Redis, embedded index
and tiny llama.cpp model. Nothing of ours is faked."""

import hashlib
import time
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from retrieval.contracts import events
from tests.conftest import api_client, uploaded
from webapp.audit.chain import verify
from webapp.audit.models import AuditEntry
from webapp.chat.models import Citation, Message
from webapp.documents.models import Chunk
from webapp.usage.models import AnswerUsage

pytestmark = pytest.mark.django_db(transaction=True)

HANDBOOK = "# Handbook\n\n## Vacation\nEvery employee has 30 calendar days of paid vacation per year.\n"
QUESTION = "How many vacation days does the zorblatt team get?"


def _ask(client, question: str = QUESTION) -> Message:
    response = client.post("/chat", json={"question": question, "params": {"max_tokens": 12, "temperature": 0}})
    assert response.status_code == 200, response.text
    return Message.objects.get(pk=response.json()["message_id"])


def _evidence(message: Message) -> AuditEntry:
    return AuditEntry.objects.get(kind=AuditEntry.Kind.ANSWER, object_type="chat.message", object_id=str(message.pk))


def test_an_answer_leaves_an_evidence_record_of_who_asked_what_and_which_passages_were_shown(web, worker, alice, handbook):
    with api_client(web, alice) as client:
        uploaded(client, "handbook.md", HANDBOOK)
        message = _ask(client)

    entry = _evidence(message)
    assert (entry.actor_id, entry.surface) == (alice.pk, "api")
    assert entry.personal == {"username": "alice", "question": QUESTION}
    assert entry.data["question_sha256"] == hashlib.sha256(QUESTION.encode()).hexdigest()
    assert entry.data["answer_sha256"] == hashlib.sha256(message.text.encode()).hexdigest()
    assert entry.data["params"] == message.params and entry.data["profile"] == {"id": None, "name": None}
    shown = {(p["chunk_id"], p["document_id"], p["document_version"]) for p in entry.data["passages"]}
    cited = {(c.chunk_id, c.document_id, Chunk.objects.get(pk=c.chunk_id).version) for c in message.citations.all()}
    assert shown == cited and shown
    usage = AnswerUsage.objects.get(message=message)
    assert usage.surface == "api" and usage.prompt_tokens == message.usage["prompt_tokens"] > 0
    assert usage.completion_tokens == message.usage["completion_tokens"] and usage.model_seconds > 0
    assert entry.data["usage"]["prompt_tokens"] == usage.prompt_tokens
    assert verify().ok, verify().problems


def _tables_holding(text: str) -> list[str]:
    """Every table and text column of the database that holds `text` (all models, Django's and axes' included)."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.get_internal_type() in ("CharField", "TextField", "JSONField"):
                table, column = model._meta.db_table, field.column
                with connection.cursor() as cursor:
                    cursor.execute(f'SELECT COUNT(*) FROM "{table}" WHERE CAST("{column}" AS TEXT) LIKE %s', [f"%{text}%"])
                    if cursor.fetchone()[0]:
                        found.append(f"{table}.{column}")
    return found


def _redis_values(client, key: bytes) -> list[bytes]:
    kind = client.type(key).decode()
    if kind == "string":
        return [client.get(key) or b""]
    if kind == "hash":
        return list(client.hgetall(key).values())
    if kind == "list":
        return client.lrange(key, 0, -1)
    if kind == "zset":
        return client.zrange(key, 0, -1)
    if kind == "set":
        return list(client.smembers(key))
    if kind == "stream":
        return [v for _, fields in client.xrange(key) for v in fields.values()]
    return []


def _redis_holding(text: str) -> list[str]:
    """Every key of this install (its prefix: Celery's queues included) holding `text`, as is or JSON-escaped."""
    client = events.client()
    return [key.decode() for key in client.scan_iter(match=events.key("*"))
            if any(text.encode() in v or text.encode("unicode_escape") in v for v in _redis_values(client, key))]


def _files_holding(folder: Path, text: str) -> list[str]:
    return [str(p) for p in folder.rglob("*") if p.is_file() and text.encode() in p.read_bytes()]


def test_after_erase_user_no_store_holds_the_persons_question(web, worker, alice, bob, handbook):
    with api_client(web, alice) as client:
        uploaded(client, "handbook.md", HANDBOOK)
    with api_client(web, bob) as client:
        message = _ask(client)
    assert events.client().exists(events.stream_key(message.pk))  # the answer's stream, with the passages
    marker = "zorblatt"
    assert _tables_holding(marker)  # the checks can find it: it is there before

    call_command("erase_user", "bob", yes=True)

    assert _tables_holding(marker) == []
    assert _redis_holding(marker) == []
    assert not events.client().exists(events.stream_key(message.pk))
    # Index payloads hold ids only (retrieval.index.common.point_payload); its files are read byte by byte anyway.
    assert _files_holding(Path(settings.INDEX_PATH), marker) == []
    assert _files_holding(Path(settings.MEDIA_ROOT), marker) == []
    assert _files_holding(Path(settings.DATA_DIR), marker) == []  # the SQLite file and its WAL too, byte by byte
    assert verify().ok, verify().problems  # pseudonymised entries keep the chain intact
    entry = AuditEntry.objects.get(kind=AuditEntry.Kind.ANSWER, actor_id=bob.pk)
    assert entry.personal == {} and entry.personal_erased_at is not None
    assert AnswerUsage.objects.filter(user=None, prompt_tokens__gt=0).exists()  # the cost stays, without the person
    assert not Citation.objects.filter(message_id=message.pk).exists()


def test_a_document_upload_and_its_replacement_are_recorded_with_who_did_them(web, worker, alice, handbook):
    with api_client(web, alice) as client:
        document = uploaded(client, "handbook.md", HANDBOOK)
        response = client.put(f"/documents/{document.pk}", files={"file": ("handbook.md", b"# New\n\nOther text.\n", "text/plain")})
        assert response.status_code == 202, response.text
    uploaded_entry = AuditEntry.objects.get(kind=AuditEntry.Kind.DOCUMENT_UPLOADED, object_id=str(document.pk))
    replaced = AuditEntry.objects.get(kind=AuditEntry.Kind.DOCUMENT_REPLACED, object_id=str(document.pk))
    assert uploaded_entry.actor_id == replaced.actor_id == alice.pk and replaced.surface == "api"
    assert replaced.data["previous_sha256"] == document.sha256 != replaced.data["sha256"]


def test_an_answer_still_being_written_is_stopped_by_the_erasure_and_leaves_no_stream(web, worker, alice, bob, handbook):
    with api_client(web, alice) as client:
        uploaded(client, "handbook.md", HANDBOOK)
    with api_client(web, bob) as client, client.stream(
            "POST", "/chat", json={"question": QUESTION, "stream": True,
                                   "params": {"max_tokens": 2000, "temperature": 1}}) as response:
        message_id = int(response.headers["x-message-id"])
        for line in response.iter_lines():  # until the first token: the worker is writing
            if line == "event: token":
                break
    assert Message.objects.get(pk=message_id).status == Message.Status.RUNNING

    call_command("erase_user", "bob", yes=True)

    time.sleep(1.5)  # what a worker that had not stopped would have written by now
    assert not events.client().exists(events.stream_key(message_id))
    assert _redis_holding("zorblatt") == [] and _tables_holding("zorblatt") == []
