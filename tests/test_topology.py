"""The production topology runs: two web processes, two ingest workers and two answer workers on separate queues,
one shared index (QDRANT_URL) and an inference server (LLM_URL), on this test's database and Redis.

A document uploaded through web #1 is indexed by the ingest workers and found through web #2; a question asked
on web #1 streams, and its stream, dropped, resumes on web #2 from the Last-Event-ID without losing or repeating
a token: the web tier keeps no state of its own. See tests/topology.py for what stands in for what.
"""

import re

import pytest

from tests.conftest import api_client, first_tokens, read_sse, wait_for_document
from tests.topology import Topology

pytestmark = pytest.mark.django_db(transaction=True)
DOCS = {f"policy-{n}.txt": f"Policy {n}. Vacation is {20 + n} calendar days per year. Remote work is allowed "
        f"{n} days per week. Badge office {n} opens at nine." for n in range(1, 5)}


@pytest.fixture(scope="module")
def topology(stack_env, tiny_model_path, tmp_path_factory):
    with Topology(stack_env, tmp_path_factory.mktemp("topology"), tiny_model_path,
                  ANSWER_ONE_LINE="false") as running:
        yield running


def tokens_of(found) -> list[str]:
    return [data["text"] for _, event, data in found if event == "token"]


def tasks_in(log: str) -> set[str]:
    return set(re.findall(r"Task ([\w.]+)\[[0-9a-f-]+\] received", log))


def test_uploads_on_web_one_are_indexed_by_both_ingest_workers_and_found_on_web_two(topology, alice, handbook):
    web1, web2 = topology.urls
    with api_client(web1, alice) as client:
        ids = [client.post("/documents", files={"file": (name, text.encode(), "text/plain")},
                           data={"collection": "handbook"}).json()["id"] for name, text in DOCS.items()]
    for document_id in ids:
        document = wait_for_document(document_id, timeout=120)
        assert document.status == "indexed", document.error
    with api_client(web2, alice) as client:
        response = client.post("/search", json={"query": "badge office 3"})

    assert response.status_code == 200, response.text
    assert set(ids) >= {p["document_id"] for p in response.json()["passages"]} and response.json()["passages"]
    logs = {name: topology.log(name).read_text() for name in topology.workers}
    # Separate queues: ingest workers never took an answer or a search, answer workers never an ingest.
    for name, log in logs.items():
        kinds = {task.split(".")[0] for task in tasks_in(log)}
        assert kinds <= ({"ingestion"} if name.startswith("ingest") else {"retrieval", "webapp"}), (name, kinds)
    assert all("ingestion.tasks.ingest" in tasks_in(logs[name]) for name in ("ingest1", "ingest2")), \
        "both ingest workers took documents"
    assert any("retrieval.tasks.search" in tasks_in(logs[name]) for name in ("answer1", "answer2"))


def test_a_stream_started_on_web_one_resumes_on_web_two_without_losing_or_repeating_a_token(topology, alice,
                                                                                               handbook):
    web1, web2 = topology.urls
    with api_client(web1, alice) as client:
        document = client.post("/documents", files={"file": ("leave.txt", DOCS["policy-1.txt"].encode(), "text/plain")},
                               data={"collection": "handbook"}).json()
        assert wait_for_document(document["id"]).status == "indexed"
        body = {"question": "vacation days", "stream": True, "params": {"max_tokens": 40}}
        with client.stream("POST", "/chat", json=body) as response:
            assert response.status_code == 200, response.read()
            first_part, message_id, last_id = first_tokens(response, 5)  # web #1 loses the reader here
    with api_client(web2, alice) as client:
        with client.stream("GET", f"/messages/{message_id}/stream", headers={"Last-Event-ID": last_id}) as response:
            assert response.status_code == 200, response.read()
            rest = read_sse(response)
        with client.stream("GET", f"/messages/{message_id}/stream") as response:
            everything = read_sse(response)

    assert len(first_part) == 5 and rest[-1][1] == "done", rest[-3:]
    assert first_part + tokens_of(rest) == tokens_of(everything)
    assert len(tokens_of(everything)) == 40
    assert "retrieval.tasks.answer" in tasks_in(topology.log("answer1").read_text() +
                                                topology.log("answer2").read_text())
