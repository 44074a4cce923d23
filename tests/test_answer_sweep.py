"""A worker killed mid-answer leaves no answer `running` for ever: the sweep ends it with an error the asker sees,
and the asker can regenerate it. The sweep's rules run in-process; the kill is a real worker's."""

import json
import os
import signal

import httpx
import pytest

from retrieval import sweep
from retrieval.contracts import events
from retrieval.tasks import answer as answer_task
from tests import services
from tests.conftest import api_client, read_sse, wait_for_document
from webapp.chat.models import Conversation, Message

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "Vacation is thirty calendar days per year. Remote work is allowed three days per week."


@pytest.fixture
def running(alice):
    """A factory of Alice's answers being written by the named worker."""
    conversation = Conversation.objects.create(user=alice, title="Vacation")
    Message.objects.create(conversation=conversation, role="user", text="How many vacation days?")

    def make(owner: str | None) -> Message:
        message = Message.objects.create(conversation=conversation, role="assistant", status="running")
        if owner:
            events.client().set(events.owner_key(message.pk), owner)
        return message

    return make


def test_an_answer_whose_worker_stopped_beating_ends_with_an_error_event(running):
    lost = running("a-worker-that-was-killed")

    assert sweep.answers_end_stale() == [lost.pk]
    lost.refresh_from_db()
    assert (lost.status, lost.error) == ("error", sweep.WORKER_LOST)
    (_, fields), = events.client().xrange(events.stream_key(lost.pk))
    assert fields[b"event"] == b"error" and json.loads(fields[b"data"])["code"] == "worker_lost"
    assert sweep.answers_end_stale() == []  # ended once


def test_answers_of_live_workers_and_of_other_installs_are_left_alone(running):
    events.beat("a-live-worker", {"name": "a-live-worker"})
    try:
        alive, elsewhere = running("a-live-worker"), running(None)
        assert sweep.answers_end_stale() == []
    finally:
        events.forget_worker("a-live-worker")
    assert set(Message.objects.filter(pk__in=[alive.pk, elsewhere.pk]).values_list("status", flat=True)) == {"running"}


def test_the_answer_task_is_not_redelivered_an_hour_later():
    assert answer_task.acks_late is False


@pytest.fixture(scope="module")
def stack(stack_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("answer-sweep")
    with services.Stack(stack_env, folder, "answersweep") as stack:
        yield stack


def test_an_answer_whose_worker_is_killed_ends_with_an_error_and_can_be_regenerated(stack, alice, handbook):
    with api_client(stack.url, alice) as client:
        uploaded = client.post("/documents", files={"file": ("policy.txt", TEXT.encode(), "text/plain")},
                               data={"collection": "handbook"}).json()
        assert wait_for_document(uploaded["id"]).status == "indexed"
        body = {"question": "remote work", "stream": True, "params": {"max_tokens": 4096, "timeout": 300}}
        with client.stream("POST", "/chat", json=body) as response:
            message_id = int(response.headers["X-Message-Id"])
            for line in response.iter_lines():
                if line.startswith("event: token"):
                    break
        os.kill(stack.worker.pid, signal.SIGKILL)
        stack.worker.wait()
        stack.worker = services.start_worker(stack.env, stack.folder / "worker-2.log", name="second")

        with client.stream("GET", f"/messages/{message_id}/stream", timeout=90) as response:
            last = read_sse(response)[-1]
        assert last[1:] == ("error", {"code": "worker_lost", "message": sweep.WORKER_LOST})

    assert Message.objects.get(pk=message_id).status == "error"
    services.wait_until(stack.ready, timeout=240, what="the second worker")
    page = logged_in(stack.url, "alice", "alice-password")
    try:
        redo = page.post(f"/c/messages/{message_id}/regenerate", json={"params": {"max_tokens": 8}})
    finally:
        page.close()
    assert redo.status_code == 200, redo.text
    new = Message.objects.filter(pk=redo.json()["message_id"])
    services.wait_until(new.filter(status="done").exists, timeout=120, what="the regenerated answer")


def logged_in(base_url: str, username: str, password: str) -> httpx.Client:
    """A browser session on the web server: the chat page's actions take it, with its CSRF token."""
    client = httpx.Client(base_url=base_url, timeout=30)
    client.get("/accounts/login/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"]
    response = client.post("/accounts/login/", data={"username": username, "password": password,
                                                     "csrfmiddlewaretoken": token}, headers={"Referer": base_url})
    assert response.status_code == 302, response.text
    client.headers.update({"X-CSRFToken": client.cookies["csrftoken"], "Referer": base_url})
    return client
