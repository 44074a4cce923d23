"""The default model, Gemma 3 270M from PyPI, through the whole path: API → worker → llama.cpp → SSE.

Runs its own worker (the embedded index belongs to one process) with the default LLM setting.
"""

import pytest

from tests import services
from tests.conftest import api_client, read_sse, wait_for_document

pytestmark = pytest.mark.django_db(transaction=True)

FERIAS = (
    "# Política de férias\n\n"
    "Todo colaborador tem direito a 30 dias corridos de férias por ano, que podem ser divididos em até três períodos.\n\n"
    "# Trabalho remoto\n\n"
    "O trabalho remoto é permitido até três dias por semana, com a concordância do gestor.\n"
)


@pytest.fixture(scope="module")
def gemma_web(stack_env, tmp_path_factory):
    folder = tmp_path_factory.mktemp("gemma")
    with services.Stack(stack_env, folder, "gemma", LLM_MODEL_PATH="", LLM_CONTEXT_SIZE="4096",
                        ANSWER_ONE_LINE="true") as stack:
        assert "gemma" in stack.readyz()["checks"]["llm"]
        yield stack.url


def test_gemma_answers_a_portuguese_question_from_the_document_with_a_citation(gemma_web, alice, handbook):
    with api_client(gemma_web, alice) as client:
        uploaded = client.post("/documents", files={"file": ("ferias.md", FERIAS.encode(), "text/markdown")},
                               data={"collection": "handbook"}).json()
        document = wait_for_document(uploaded["id"])
        assert document.status == "indexed", document.error
        with client.stream("POST", "/chat", json={"question": "Quantos dias de férias o colaborador tem por ano?",
                                                   "stream": True, "params": {"max_tokens": 40, "temperature": 0}}) as response:
            events = read_sse(response)

    names = [e for _, e, _ in events if e not in ("queued",)]
    assert names[:2] == ["sources", "quote"] and names[-1] == "done" and "token" in names
    done = events[-1][2]
    assert "30 dias corridos" in done["quote"]["text"]  # the verbatim sentence, shown before any token
    assert done["outcome"] == "answered" and done["reasons"] == [], done
    assert "30" in done["answer"], done["answer"]
    assert done["usage"]["ttft_ms"] > 0 and done["usage"]["completion_tokens"] >= 1
    assert all(c["document_id"] == document.pk for c in done["citations"])
    assert all({"support", "weak", "weak_reason"} <= set(c) for c in done["citations"])
