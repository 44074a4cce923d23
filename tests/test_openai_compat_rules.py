"""The OpenAI door's rules, in process (no worker): what a request is read into, which fields are refused, the
error shape of every failure, and how the streamed text keeps the answer's markers."""

import pytest
from django.test import Client

from webapp.accounts.models import ApiToken
from webapp.chat.models import Conversation, ModelProfile
from webapp.documents.models import Collection
from webapp.openai_compat.catalog import model_resolve, models_for
from webapp.openai_compat.errors import OpenAIError
from webapp.openai_compat.request import HISTORY_PAIRS, request_parsed
from webapp.openai_compat.shapes import text_tail


def parsed(**body):
    import json

    return request_parsed(json.dumps({"model": "acervo", **body}).encode())


def refusal(**body) -> OpenAIError:
    with pytest.raises(OpenAIError) as raised:
        parsed(**body)
    assert raised.value.status == 400
    return raised.value


def test_the_question_is_the_last_user_message_and_text_parts_are_joined():
    asked = parsed(messages=[{"role": "system", "content": "Be brief."},
                             {"role": "user", "content": [{"type": "text", "text": "Vacation"},
                                                          {"type": "text", "text": "days?"}]}])
    assert asked.question == "Vacation\ndays?" and asked.history == ()


def test_earlier_turns_become_the_last_question_and_answer_pairs_and_system_messages_are_ignored():
    turns = []
    for i in range(4):
        turns += [{"role": "user", "content": f"q{i}"}, {"role": "assistant", "content": f"a{i}"}]
    asked = parsed(messages=[{"role": "system", "content": "x"}, *turns, {"role": "user", "content": "now?"}])
    assert asked.history == (("q2", "a2"), ("q3", "a3")) and len(asked.history) == HISTORY_PAIRS


def test_openai_parameter_names_map_to_acervos_and_harmless_fields_are_ignored():
    asked = parsed(messages=[{"role": "user", "content": "q"}], temperature=0.2, top_p=None, max_tokens=9,
                   max_completion_tokens=5, stop="END", seed=3, user="u-1", metadata={"a": 1}, store=False,
                   stream=True, stream_options={"include_usage": True}, logprobs=False, n=1, tool_choice="none")
    assert asked.params == {"temperature": 0.2, "max_tokens": 5, "stop": "END", "seed": 3}
    assert asked.aliases == {"max_tokens": "max_completion_tokens"}
    assert asked.stream and asked.include_usage


@pytest.mark.parametrize("body, param", [
    ({"n": 2}, "n"),
    ({"tools": [{"type": "function", "function": {"name": "f"}}]}, "tools"),
    ({"tool_choice": "required"}, "tool_choice"),
    ({"response_format": {"type": "json_object"}}, "response_format"),
    ({"logprobs": True}, "logprobs"),
    ({"logit_bias": {"42": 5}}, "logit_bias"),
    ({"modalities": ["text", "audio"]}, "modalities"),
    ({"stream": "yes"}, "stream"),
    ({"conversation_id": "7"}, "conversation_id"),
])
def test_what_acervo_cannot_honour_is_a_400_naming_the_field(body, param):
    assert refusal(messages=[{"role": "user", "content": "q"}], **body).param == param


@pytest.mark.parametrize("messages, param", [
    (None, "messages"),
    ([], "messages"),
    ([{"role": "system", "content": "only instructions"}], "messages"),
    ([{"role": "robot", "content": "q"}], "messages[0]"),
    ([{"role": "user", "content": "q"}, {"role": "assistant", "content": "prefilled"}], "messages[1]"),
    ([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:,"}}]}], "messages[0].content[0]"),
])
def test_messages_without_a_text_question_last_are_a_400(messages, param):
    assert refusal(messages=messages).param == param


def test_a_body_that_is_not_a_json_object_is_a_400():
    for raw in (b"", b"[1]", b"{nope"):
        with pytest.raises(OpenAIError):
            request_parsed(raw)


@pytest.mark.parametrize("streamed, answer, tail", [
    ("", "Not in the documents.", "Not in the documents."),  # a refusal has no tokens
    ("Thirty days", "Thirty days [1].", " [1]."),
    ("Thirty days.", "Thirty days [2].", " [2]"),  # a marker added mid-text: appended
    ("Thirty [1] days.", "Thirty [1] days.", ""),
])
def test_the_streamed_text_ends_with_every_marker_of_the_answer(streamed, answer, tail):
    assert text_tail(streamed, answer) == tail


@pytest.mark.django_db
def test_models_name_only_readable_collections_and_an_unreadable_one_is_not_found(django_user_model):
    reader = django_user_model.objects.create_user("reader")
    group = reader.groups.create(name="readers")
    Collection.objects.create(name="hr").groups.add(group)
    Collection.objects.create(name="board")
    ModelProfile.objects.create(name="precise:v2")

    assert [m.id for m in models_for(reader)] == ["acervo", "precise:v2", "acervo:hr", "precise:v2:hr"]
    chosen = model_resolve(reader, "precise:v2:hr")
    assert (chosen.profile, chosen.collection) == ("precise:v2", "hr")
    for hidden in ("acervo:board", "precise:v2:board", "other:hr"):
        with pytest.raises(OpenAIError) as raised:
            model_resolve(reader, hidden)
        assert raised.value.status == 404 and raised.value.code == "model_not_found"


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


@pytest.fixture
def token_of(db, django_user_model):
    def issue(scopes=None) -> dict:
        user = django_user_model.objects.create_user(f"u{django_user_model.objects.count()}")
        _, raw = ApiToken.issue(user=user, scopes=scopes)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    return issue


def test_every_failure_leaves_in_openais_error_shape(token_of):
    client, auth = Client(), token_of()
    assert error_of(client.get("/v1/models"), 401)["code"] == "invalid_api_key"
    assert error_of(client.get("/v1/models", HTTP_AUTHORIZATION="Bearer acv_nope"), 401)["code"] == "invalid_api_key"
    assert error_of(client.get("/v1/engines", **auth), 404)["code"] == "unknown_url"
    assert error_of(client.get("/v1/chat/completions", **auth), 405)["code"] == "method_not_allowed"
    assert error_of(client.get("/v1/models", **token_of(scopes=["documents"])), 403)["type"] == "permission_error"
    unknown = client.post("/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": "q"}]},
                          content_type="application/json", **auth)
    assert error_of(unknown, 404)["param"] == "model"


def test_a_bad_parameter_is_named_as_the_client_sent_it_and_stores_nothing(token_of):
    client, auth = Client(), token_of()
    for name, value in (("temperature", 3), ("max_completion_tokens", 0), ("top_p", "high"), ("stop", [""] * 9)):
        body = {"model": "acervo", "messages": [{"role": "user", "content": "earlier"},
                                                {"role": "assistant", "content": "answer"},
                                                {"role": "user", "content": "q"}], name: value}
        error = error_of(client.post("/v1/chat/completions", body, content_type="application/json", **auth), 400)
        assert error["param"] == name and error["type"] == "invalid_request_error"
        assert name in error["message"] and "params." not in error["message"]
    assert not Conversation.objects.exists()  # the history stored for a question is rolled back with it
