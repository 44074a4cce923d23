"""The OpenAI-compatible API driven by the official `openai` SDK, as integrations drive it.

Real web server, worker, Redis, index, embedding model and llama.cpp on the tiny GGUF (its words are gibberish:
these tests check mechanics, not prose). Deterministic citations come from a model profile whose model_path is
"none" (search-only: the answer is the passages, each cited with [n]); nothing is faked.
"""

import time

import httpx
import openai
import pytest

from tests.conftest import uploaded
from webapp.accounts.models import ApiToken
from webapp.chat.models import Conversation, Message, ModelProfile
from webapp.documents.models import Collection

pytestmark = pytest.mark.django_db(transaction=True)

HANDBOOK = """# Employee handbook

## Vacation
Every employee is entitled to 30 calendar days of paid vacation per year, which may be split in up to three periods.

## Remote work
Employees may work remotely up to three days per week, with the agreement of their manager.
"""
QUESTION = "How many vacation days?"


def sdk(web: str, user) -> openai.OpenAI:
    _, raw = ApiToken.issue(user=user)
    return openai.OpenAI(base_url=f"{web}/v1", api_key=raw, max_retries=0, timeout=120)


@pytest.fixture
def indexed(alice_api, handbook):
    return uploaded(alice_api, "handbook.md", HANDBOOK)


@pytest.fixture
def passages_profile(transactional_db):
    """A profile answering without a model: the passages, each with its [n] (retrieval.messages.search_only)."""
    return ModelProfile.objects.create(name="passages", model_path="none")


def ask(web, user, **body):
    return sdk(web, user).chat.completions.create(messages=[{"role": "user", "content": QUESTION}], **body)


def test_models_lists_each_profile_and_each_readable_collection_and_nothing_else(web, alice, charlie, handbook,
                                                                                  passages_profile):
    Collection.objects.create(name="board-minutes")  # nobody's group reads it

    listed = [m.id for m in sdk(web, alice).models.list()]
    charlies = [m.id for m in sdk(web, charlie).models.list()]

    assert listed == ["acervo", "passages", "acervo:handbook", "passages:handbook"]
    assert charlies == ["acervo", "passages"]
    assert sdk(web, alice).models.retrieve("acervo:handbook").owned_by == "acervo"
    for model in ("acervo:board-minutes", "acervo:nowhere", "gpt-4o"):
        with pytest.raises(openai.NotFoundError) as found:
            sdk(web, alice).models.retrieve(model)
        assert found.value.code == "model_not_found"
    with pytest.raises(openai.NotFoundError):
        ask(web, charlie, model="acervo:handbook")


def test_a_non_streamed_answer_has_the_citations_field_and_its_markers_in_the_text(web, alice, indexed,
                                                                                   passages_profile):
    completion = ask(web, alice, model="passages:handbook", temperature=0)

    content = completion.choices[0].message.content
    citations = completion.model_extra["citations"]
    assert completion.object == "chat.completion" and completion.model == "passages:handbook"
    assert completion.choices[0].finish_reason == "stop"
    assert citations and all(f"[{c['n']}]" in content for c in citations)
    first = citations[0]
    assert first["document_id"] == indexed.pk and first["title"] == "Employee handbook"  # its own first heading
    assert first["text"] and " ".join(first["text"].split()) in " ".join(HANDBOOK.split())
    assert first["url"].startswith(f"{web}/documents/{indexed.pk}/original")
    assert {"page", "supported", "support", "weak_code", "attributed", "document_deleted"} <= set(first)
    assert first["supported"] is None  # no model wrote a claim, so the support check had nothing to check
    extension = completion.model_extra["acervo"]
    assert extension["refused"] is False and extension["finish_reason"] == "search_only"
    message = Message.objects.get(pk=extension["message_id"])
    assert message.profile == passages_profile and message.collections == [indexed.collection_id]


def test_an_answer_from_the_model_keeps_the_usage_and_the_parameters_mapped(web, alice, indexed):
    completion = ask(web, alice, model="acervo", max_completion_tokens=6, temperature=0.3, top_p=0.9, seed=7,
                     stop=["###"], presence_penalty=0.5)

    assert completion.choices[0].finish_reason in ("stop", "length")
    assert completion.usage.completion_tokens <= 6
    message = Message.objects.get(pk=completion.model_extra["acervo"]["message_id"])
    assert message.params["max_tokens"] == 6 and message.params["temperature"] == 0.3
    assert message.params["seed"] == 7 and message.params["top_p"] == 0.9 and message.params["presence_penalty"] == 0.5
    assert "###" in message.params["stop"]


def test_a_stream_sends_the_text_then_a_last_chunk_with_citations_and_done(web, alice, indexed, passages_profile):
    chunks = list(ask(web, alice, model="passages", stream=True, stream_options={"include_usage": True}))

    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert chunks[0].choices[0].delta.role == "assistant"
    sources = next(c.model_extra["acervo"]["sources"] for c in chunks if "sources" in c.model_extra.get("acervo", {}))
    assert sources and sources[0]["document_id"] == indexed.pk
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    last = next(c for c in chunks if c.choices and c.choices[0].finish_reason)
    assert last.choices[0].finish_reason == "stop"
    assert text == last.model_extra["acervo"]["answer"]
    assert last.model_extra["citations"] and all(f"[{c['n']}]" in text for c in last.model_extra["citations"])
    assert chunks[-1].choices == [] and chunks[-1].usage is not None  # include_usage: the usage chunk comes last


def test_a_streamed_model_answer_carries_its_tokens_and_ends_with_the_acervo_field(web, alice, indexed):
    chunks = list(ask(web, alice, model="acervo:handbook", stream=True, max_tokens=12))

    tokens = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    last = next(c for c in chunks if c.choices and c.choices[0].finish_reason)
    assert len(tokens) >= 2 and last.choices[0].finish_reason in ("stop", "length")
    extension = last.model_extra["acervo"]
    assert extension["message_id"] and extension["outcome"] in ("answered", "unconfirmed", "refused")
    assert isinstance(last.model_extra["citations"], list)
    assert Message.objects.get(pk=extension["message_id"]).status == Message.Status.DONE


def test_a_bad_parameter_is_a_bad_request_in_openais_error_shape(web, alice, handbook):
    with pytest.raises(openai.BadRequestError) as bad:
        ask(web, alice, model="acervo", temperature=5)
    body = bad.value.response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["param"] == "temperature" and body["error"]["type"] == "invalid_request_error"
    assert "temperature must be between 0 and 2" in body["error"]["message"]
    with pytest.raises(openai.BadRequestError) as many:
        ask(web, alice, model="acervo", n=2)
    assert many.value.param == "n"
    with pytest.raises(openai.AuthenticationError):
        openai.OpenAI(base_url=f"{web}/v1", api_key="acv_wrong", max_retries=0).models.list()
    assert not Message.objects.exists()


def test_a_token_whose_user_reads_no_collection_gets_a_refusal_saying_so(web, worker, charlie, indexed):
    completion = ask(web, charlie, model="acervo")

    extension = completion.model_extra["acervo"]
    assert completion.choices[0].finish_reason == "stop" and completion.choices[0].message.content
    assert extension["refused"] is True and extension["reasons"][0]["code"] == "no_collections"
    assert completion.model_extra["citations"] == [] and extension["sources"] == []


def test_closing_a_stream_early_cancels_the_answer(web, alice, indexed):
    """Several times: a client leaving while tokens pour in once went unnoticed (streaming.py says why)."""
    for _ in range(4):
        stream = ask(web, alice, model="acervo", stream=True, max_tokens=3000)
        message_id, content = None, []
        for chunk in stream:
            message_id = message_id or chunk.model_extra.get("acervo", {}).get("message_id")
            if chunk.choices and chunk.choices[0].delta.content:
                content.append(chunk.choices[0].delta.content)
            if len(content) == 2:
                break
        stream.close()

        message = wait_until_ended(message_id)
        assert message.status == Message.Status.CANCELLED and message.finish_reason == "cancelled", (
            message.finish_reason, message.usage.get("completion_tokens"))
        assert message.usage["completion_tokens"] < 3000


def wait_until_ended(message_id: int) -> Message:
    deadline = time.monotonic() + 30
    while Message.objects.get(pk=message_id).status in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(0.2)
    return Message.objects.get(pk=message_id)


@pytest.mark.xfail(strict=False, reason="Django does not always cancel an async view whose client left (about 1 run "
                   "in 4 here, also alone): the answer then runs to its end; the streamed path checks for itself")
def test_a_client_that_stops_waiting_for_a_non_streamed_answer_cancels_it(web, alice, indexed):
    _, raw = ApiToken.issue(user=alice)
    body = {"model": "acervo", "max_tokens": 3000, "messages": [{"role": "user", "content": QUESTION}]}
    # The tiny model fills its context (~1,780 tokens) in 3 s or more here: the client leaves well before.
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(f"{web}/v1/chat/completions", json=body, headers={"Authorization": f"Bearer {raw}"}, timeout=1)

    message = wait_until_ended(Message.objects.get(role="assistant").pk)
    assert message.status == Message.Status.CANCELLED and message.usage["completion_tokens"] < 3000


def test_a_chat_front_ends_request_with_history_content_parts_and_extra_fields_is_answered(web, alice, indexed):
    """The body a chat front-end (LibreChat, Open WebUI) sends: its system prompt, the earlier turns, the question
    as a content array, its usage option, the user's id and sampling knobs (reconstructed from their documented
    request shape, not captured from a running copy)."""
    _, raw = ApiToken.issue(user=alice)
    body = {
        "model": "acervo:handbook",
        "messages": [
            {"role": "system", "content": "You are a helpful assistant. Current date: 2026-12-06"},
            {"role": "user", "content": "Can I work from home?"},
            {"role": "assistant", "content": "Yes, up to three days per week [1]."},
            {"role": "user", "content": [{"type": "text", "text": "And how many vacation days?"}]},
        ],
        "stream": True, "stream_options": {"include_usage": True}, "user": "6751a2f0c3e5b2a1d4e8f901",
        "temperature": 0.2, "top_p": 1, "presence_penalty": 0, "frequency_penalty": 0, "max_tokens": 8,
        "stop": [], "parallel_tool_calls": None, "metadata": {"chat_id": "abc"},
    }
    lines = []
    with httpx.stream("POST", f"{web}/v1/chat/completions", json=body, timeout=120,
                      headers={"Authorization": f"Bearer {raw}"}) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line.startswith("data:")]

    assert lines[-1] == "data: [DONE]"
    conversation = Conversation.objects.get(user=alice)
    texts = list(conversation.messages.values_list("role", "text"))
    assert texts[:3] == [("user", "Can I work from home?"), ("assistant", "Yes, up to three days per week [1]."),
                         ("user", "And how many vacation days?")]
    answer = conversation.messages.last()
    assert answer.status == Message.Status.DONE and answer.params["max_tokens"] == 8


def test_the_readmes_sdk_example_runs_against_the_app(web, alice, indexed, monkeypatch, capsys):
    """The Python block of README › Integrations › OpenAI-compatible API, run as written."""
    from tests.conftest import ROOT

    section = (ROOT / "README.md").read_text().split("### OpenAI-compatible API", 1)[1]
    example = section.split("```python\n", 1)[1].split("```", 1)[0]
    _, raw = ApiToken.issue(user=alice)
    monkeypatch.setenv("ACERVO_URL", web)
    monkeypatch.setenv("ACERVO_TOKEN", raw)

    exec(compile(example, "README.md", "exec"), {})

    printed = capsys.readouterr().out
    assert "'acervo:handbook'" in printed and "sources:" in printed
    assert Conversation.objects.get(user=alice).messages.count() == 4  # the follow-up joined the conversation
