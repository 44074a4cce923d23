"""Without a usable model the app still answers: the passages, with citations, and how to add a model."""

import httpx
import pytest

from tests import services
from tests.conftest import api_client, wait_for_document

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def no_model_web(stack_env, tmp_path_factory):
    """A worker whose LLM_MODEL_PATH names a file that does not exist: a model that fails to load."""
    folder = tmp_path_factory.mktemp("no-model")
    with services.Stack(stack_env, folder, "nomodel", LLM_MODEL_PATH=str(folder / "missing.gguf")) as stack:
        yield stack.url


def test_readyz_explains_the_model_could_not_be_loaded(no_model_web):
    llm = httpx.get(f"{no_model_web}/readyz").json()["checks"]["llm"]
    assert llm.startswith("error") and "missing.gguf" in llm and "LLM_MODEL_PATH" in llm


def test_chat_answers_with_the_passages_and_says_how_to_add_a_model(no_model_web, alice, handbook):
    with api_client(no_model_web, alice) as client:
        uploaded = client.post("/documents", files={"file": ("v.txt", b"Vacation is thirty days per year.", "text/plain")},
                               data={"collection": "handbook"}).json()
        assert wait_for_document(uploaded["id"]).status == "indexed"
        body = client.post("/chat", json={"question": "vacation days"}).json()
    assert body["finish_reason"] == "search_only"
    assert "LLM_MODEL_PATH" in body["answer"] and "thirty days" in body["answer"]
    assert body["citations"] and body["citations"][0]["document_id"] == uploaded["id"]
    assert "missing.gguf" in body["usage"]["model_error"]
