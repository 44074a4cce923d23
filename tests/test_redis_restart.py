"""Redis stops while an answer is being written, and starts again: the worker rides it out. The answer in flight
ends (with an error a person can act on, or done), and the same worker process answers the next question.

A Redis server of its own (on a free loopback port, nothing saved) with a worker and a web server of their own,
so stopping it touches no other test.
"""

import json
import subprocess
import time

import pytest

from tests import services
from tests.conftest import api_client, wait_for_document
from webapp.chat.models import Message

pytestmark = pytest.mark.django_db(transaction=True)
TEXT = "Vacation is thirty calendar days per year. Remote work is allowed three days per week."


class PrivateRedis:
    def __init__(self, folder):
        self.port, self.folder, self.process = services.free_port(), folder, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", str(self.folder)]
        self.process = subprocess.Popen(command, stdout=(self.folder / "redis.log").open("ab"), stderr=subprocess.STDOUT)
        services.wait_until(self.answers, timeout=10, what="redis-server")

    def answers(self) -> bool:
        import redis

        try:
            return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            services.stop(self.process)


@pytest.fixture(scope="module")
def outage(stack_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("redis-restart")
    server = PrivateRedis(folder)
    server.start()
    try:
        with services.Stack(stack_env, folder, "redisrestart", REDIS_URL=server.url) as stack:
            yield stack, server
    finally:
        server.stop()


def first_token_of(client, body: dict) -> int:
    """Ask, read the stream until the first token, and leave the answer running; returns its message id."""
    with client.stream("POST", "/chat", json=body) as response:
        event = ""
        for line in response.iter_lines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:") and event == "sources":
                message_id = json.loads(line[5:])["message_id"]
            elif line.startswith("data:") and event == "token":
                return message_id
    raise AssertionError("the answer ended before its first token")


def test_the_worker_rides_out_a_redis_restart_during_an_answer_and_answers_the_next_question(outage, alice, handbook):
    stack, server = outage
    with api_client(stack.url, alice) as client:
        uploaded = client.post("/documents", files={"file": ("policy.txt", TEXT.encode(), "text/plain")},
                               data={"collection": "handbook"}).json()
        assert wait_for_document(uploaded["id"]).status == "indexed"
        in_flight = first_token_of(client, {"question": "remote work", "stream": True,
                                            "params": {"max_tokens": 4096, "timeout": 120}})

        server.stop()
        time.sleep(3)
        server.start()

        services.wait_until(stack.ready, timeout=60, what="the worker's heartbeat after the restart",
                            log_path=stack.folder / "worker.log")
        assert stack.worker.poll() is None, (stack.folder / "worker.log").read_text()[-4000:]
        answer = client.post("/chat", json={"question": "vacation days", "params": {"max_tokens": 8}})
        assert answer.status_code == 200, answer.text
        assert answer.json()["finish_reason"] == "length"

    ended = Message.objects.filter(pk=in_flight).exclude(status__in=["queued", "running"])
    services.wait_until(ended.exists, timeout=150, what="the answer in flight to end")
    assert stack.worker.poll() is None, (stack.folder / "worker.log").read_text()[-4000:]
