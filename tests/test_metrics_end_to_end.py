"""The figures move, and the logs and the trace follow a question, through a real web server and worker of their own:
LOG_FORMAT=json, METRICS_TOKEN and TRACING=file set, and their own Redis key prefix, so the figures start at zero and
the logs and traces are theirs alone."""

import json
import uuid

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests import services
from tests.conftest import api_client, read_sse, uploaded, wait_for_document

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "e2e-scrape-token"
TEXT = ("Vacation is thirty calendar days per year, taken in up to three periods. "
        "Remote work is allowed three days per week with the manager's agreement.")
REFUSED = "Which company rents the cars for the presidential motorcade in Brasília?"
ANSWERED = "How many vacation days per year?"


@pytest.fixture(scope="module")
def stack(stack_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("metrics-stack")
    with services.Stack(stack_env, folder, "metrics", LOG_FORMAT="json", METRICS_TOKEN=TOKEN, TRACING="file",
                        TRACING_FILE=str(folder / "traces.jsonl"), OTEL_BSP_SCHEDULE_DELAY="200") as running:
        yield running


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    response = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text) for s in family.samples}


def ask(client: httpx.Client, question: str, request_id: str = "") -> dict:
    body = {"question": question, "stream": True, "params": {"max_tokens": 20}}
    headers = {"X-Request-ID": request_id} if request_id else {}
    with client.stream("POST", "/chat", json=body, headers=headers) as response:
        assert response.headers["X-Request-ID"] == (request_id or response.headers["X-Request-ID"])
        return read_sse(response)[-1][2]


def test_two_uploads_and_two_answers_move_the_figures(stack, alice, handbook):
    before = scrape(stack.url)
    with api_client(stack.url, alice) as client:
        uploaded(client, "policy.txt", TEXT)
        blank = client.post("/documents", files={"file": ("blank.txt", b"   \n\n  ", "text/plain")},
                            data={"collection": "handbook"}).json()
        refused, answered = ask(client, REFUSED), ask(client, ANSWERED)
        assert wait_for_document(blank["id"]).status == "failed"
    after = scrape(stack.url)

    def moved(name: str, **labels) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0) - before.get(key, 0)

    assert refused["outcome"] == "refused" and answered["finish_reason"] not in ("refused", "no_passages")
    assert moved("acervo_documents", status="indexed") == 1
    assert moved("acervo_ingest_documents_total", outcome="indexed") == 1
    assert moved("acervo_ingest_stage_seconds_count", stage="parse") == 2  # timed, failed or not
    assert moved("acervo_ingest_stage_seconds_count", stage="embed") == 1  # the blank file never got there
    assert moved("acervo_ingest_failures_total", stage="parse", error="empty") == 1
    assert moved("acervo_ingest_documents_total", outcome="failed") == 1
    assert moved("acervo_documents", status="failed") == 1
    assert moved("acervo_answers_total", outcome="refused", finish_reason="refused") == 1
    assert moved("acervo_answers_total", outcome=answered["outcome"], finish_reason=answered["finish_reason"]) == 1
    assert moved("acervo_answer_first_token_seconds_count") == 1  # the refusal never called the model
    assert moved("acervo_answer_retrieval_seconds_count") == 2
    assert after[("acervo_answer_first_token_seconds_sum", ())] * 1000 == pytest.approx(
        answered["usage"]["ttft_ms"], abs=1)
    assert after[("acervo_workers_live", ())] == 1 and after[("acervo_redis_up", ())] == 1
    assert after[("acervo_queue_depth", (("queue", "answer"),))] == 0


def json_lines(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]


def test_the_web_and_the_worker_log_one_question_under_the_same_request_id(stack, alice, handbook):
    request_id = f"q-{uuid.uuid4().hex[:12]}"
    with api_client(stack.url, alice) as client:
        ask(client, REFUSED, request_id)

    def worker_lines():
        found = [e for e in json_lines(stack.folder / "worker.log") if e["request_id"] == request_id]
        return found if any("ended" in e["message"] for e in found) else None

    worker = services.wait_until(worker_lines, timeout=15, what="the worker's log lines of the answer")
    web = [e for e in json_lines(stack.folder / "web.log") if e["request_id"] == request_id]
    assert any(e["logger"] == "acervo.requests" and "POST /api/v1/chat 200" in e["message"] for e in web), web

    assert {e["message"].split(":")[0] for e in worker} >= {"task retrieval.tasks.answer started",
                                                             "task retrieval.tasks.answer ended"}
    assert all(e["level"] and e["time"] and e["process"] for e in web + worker)


def test_django_logs_a_failed_request_under_its_request_id(stack):
    """Django logs 4xx/5xx responses after every middleware has returned: the id still comes with them."""
    assert httpx.get(f"{stack.url}/no-such-page", headers={"X-Request-ID": "lost-1"}).status_code == 404

    def logged():
        return [e for e in json_lines(stack.folder / "web.log") if e["logger"] == "django.request"
                and "/no-such-page" in e["message"]]

    assert services.wait_until(logged, timeout=5, what="Django's log line")[0]["request_id"] == "lost-1"


def test_one_question_is_one_trace_from_the_web_through_the_worker_to_the_index_and_the_model(stack, alice, handbook):
    request_id = f"t-{uuid.uuid4().hex[:12]}"
    with api_client(stack.url, alice) as client:
        uploaded(client, "policy.txt", TEXT)
        assert ask(client, ANSWERED, request_id)["finish_reason"] not in ("refused", "no_passages")

    def this_trace():
        found = [json.loads(line) for line in (stack.folder / "traces.jsonl").read_text().splitlines()]
        web = [s for s in found if s["attributes"].get("request_id") == request_id]
        trace = [s for s in found if web and s["context"]["trace_id"] == web[0]["context"]["trace_id"]]
        # The task's span ends (and is written) after its last event reached the client: wait for it too.
        names = {s["name"] for s in trace}
        return (web[0], trace) if {"llm.generate", "celery.task retrieval.tasks.answer"} <= names else None

    web, trace = services.wait_until(this_trace, timeout=15, what="the answer's spans")
    task = next(s for s in trace if s["name"] == "celery.task retrieval.tasks.answer")
    assert web["name"] == "POST /api/v1/chat" and task["parent_id"] == web["context"]["span_id"]
    children = {s["name"] for s in trace if s["parent_id"] == task["context"]["span_id"]}
    assert {"retrieval.search", "llm.generate"} <= children
