"""An OpenAI chat completion request read into what Acervo's answer path takes.

Clients send much more than Acervo uses, and each field is one of three kinds:
- mapped: `model`, `messages`, `stream`, `stream_options.include_usage`, `temperature`, `top_p`, `max_tokens` or
  `max_completion_tokens`, `stop`, `seed`, `presence_penalty`, `frequency_penalty`, and llama.cpp's `top_k`,
  `min_p`, `repeat_penalty` (other OpenAI-compatible servers take them too); plus Acervo's `conversation_id`.
  Their ranges are /api/v1/chat's (`webapp.chat.params`, narrowed by the profile's limits), checked there;
- refused with a 400 naming the field, because Acervo cannot honour them: `n` > 1, `tools`/`functions`, a
  `tool_choice` that requires a tool, a non-text `response_format`, `logprobs`, `logit_bias`, audio output, and
  content other than text in the question;
- ignored: everything else (`user`, `metadata`, `store`, `service_tier`, `parallel_tool_calls`, ...). A null
  value is the same as an absent field, as OpenAI clients send them.

The question is the text of the last `user` message (text parts of a content array joined by new lines). Earlier
`user`/`assistant` turns are the conversation's history: the last HISTORY_PAIRS question/answer pairs are stored
before it, so a follow-up ("and for interns?") is searched and answered as in the chat page. `system` and
`developer` messages are ignored: Acervo's instructions (and the profile's extra prompt) are what keep answers
tied to the documents. With `conversation_id`, that stored conversation is the history and the client's earlier
messages are not stored again.
"""

import json
from dataclasses import dataclass, field

from webapp.openai_compat.errors import OpenAIError

# retrieval.answer reads this many earlier exchanges (HISTORY_TURNS); storing more would only be dead rows.
HISTORY_PAIRS = 2
# OpenAI name → Acervo's (webapp.chat.params.RANGES); max_completion_tokens is OpenAI's newer max_tokens.
PARAMS = {"temperature": "temperature", "top_p": "top_p", "max_tokens": "max_tokens",
          "max_completion_tokens": "max_tokens", "stop": "stop", "seed": "seed",
          "presence_penalty": "presence_penalty", "frequency_penalty": "frequency_penalty",
          "top_k": "top_k", "min_p": "min_p", "repeat_penalty": "repeat_penalty"}
ROLES = ("system", "developer", "user", "assistant", "tool", "function")

NOT_JSON = "The request body must be a JSON object (Content-Type: application/json)."
NO_MESSAGES = "`messages` must be a non-empty list of {role, content} objects."
BAD_MESSAGE = "messages[{i}] must be an object with a `role` ({roles}) and a `content`."
NO_QUESTION = "There is no user message: the last `user` message is the question."
AFTER_QUESTION = "messages[{i}] comes after the last user message: the question must be the last message."
NOT_TEXT = "Only text content is supported: messages[{i}].content[{j}] is of type {kind!r}."
BAD_CONTENT = "messages[{i}].content must be a string or a list of content parts."
ONE_ANSWER = "Acervo writes one answer per request: `n` must be 1."
NO_TOOLS = "Acervo answers from your documents and calls no tools: `{name}` is not supported."
TEXT_ONLY = "Acervo answers in text: `response_format` must be {{\"type\": \"text\"}}."
UNSUPPORTED = "`{name}` is not supported by Acervo."
BAD_FLAG = "`{name}` must be true or false."
BAD_CONVERSATION = "`conversation_id` must be the id of one of your conversations (a positive integer)."


@dataclass(frozen=True)
class CompletionRequest:
    model: str
    question: str
    history: tuple[tuple[str, str], ...] = ()  # (question, answer) pairs before the question, oldest first
    params: dict = field(default_factory=dict)  # Acervo's names (webapp.chat.params), unchecked
    aliases: dict = field(default_factory=dict)  # Acervo's name → the OpenAI name the client sent it as
    stream: bool = False
    include_usage: bool = False
    conversation_id: int | None = None


def request_parsed(raw: bytes) -> CompletionRequest:
    """The request, or OpenAIError (400) naming the first field Acervo cannot honour."""
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict):
        raise OpenAIError(NOT_JSON, code="invalid_json")
    _refuse_unsupported(body)
    question, history = _question_and_history(body.get("messages"))
    params, aliases = _params(body)
    options = body.get("stream_options") or {}
    return CompletionRequest(
        model=body.get("model"), question=question, history=history, params=params, aliases=aliases,
        stream=_flag(body, "stream"), include_usage=isinstance(options, dict) and options.get("include_usage") is True,
        conversation_id=_conversation_id(body.get("conversation_id")),
    )


def _refuse_unsupported(body: dict) -> None:
    if body.get("n") not in (None, 1):
        raise OpenAIError(ONE_ANSWER, param="n", code="unsupported_parameter")
    for name in ("tools", "functions"):
        if body.get(name):
            raise OpenAIError(NO_TOOLS.format(name=name), param=name, code="unsupported_parameter")
    for name in ("tool_choice", "function_call"):
        if body.get(name) not in (None, "none", "auto"):
            raise OpenAIError(NO_TOOLS.format(name=name), param=name, code="unsupported_parameter")
    response_format = body.get("response_format")
    if response_format not in (None, {"type": "text"}):
        raise OpenAIError(TEXT_ONLY, param="response_format", code="unsupported_parameter")
    if body.get("audio") is not None or any(m != "text" for m in body.get("modalities") or []):
        name = "audio" if body.get("audio") is not None else "modalities"
        raise OpenAIError(UNSUPPORTED.format(name=name), param=name, code="unsupported_parameter")
    for name in ("logprobs", "top_logprobs", "logit_bias"):
        if body.get(name) not in (None, False, 0, {}):
            raise OpenAIError(UNSUPPORTED.format(name=name), param=name, code="unsupported_parameter")


def _question_and_history(messages) -> tuple[str, tuple[tuple[str, str], ...]]:
    if not isinstance(messages, list) or not messages:
        raise OpenAIError(NO_MESSAGES, param="messages", code="invalid_messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ROLES:
            raise OpenAIError(BAD_MESSAGE.format(i=i, roles=", ".join(ROLES)), param=f"messages[{i}]",
                              code="invalid_messages")
    last = max((i for i, m in enumerate(messages) if m["role"] == "user"), default=None)
    if last is None:
        raise OpenAIError(NO_QUESTION, param="messages", code="invalid_messages")
    for i in range(last + 1, len(messages)):
        if messages[i]["role"] not in ("system", "developer"):
            raise OpenAIError(AFTER_QUESTION.format(i=i), param=f"messages[{i}]", code="invalid_messages")
    question = _text(messages[last].get("content"), last, strict=True)
    return question, _pairs(messages[:last])


def _text(content, i: int, *, strict: bool):
    """A message's text. `strict` (the question): a part that is not text is a 400; earlier turns drop it."""
    if content is None or isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise OpenAIError(BAD_CONTENT.format(i=i), param=f"messages[{i}].content", code="invalid_messages")
    texts = []
    for j, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else type(part).__name__
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif strict:
            raise OpenAIError(NOT_TEXT.format(i=i, j=j, kind=kind), param=f"messages[{i}].content[{j}]",
                              code="unsupported_content")
    return "\n".join(texts)


def _pairs(earlier: list[dict]) -> tuple[tuple[str, str], ...]:
    """Each user turn followed by an assistant turn, both with text: the last HISTORY_PAIRS of them."""
    turns = [(m["role"], (_text(m.get("content"), i, strict=False) or "").strip()) for i, m in enumerate(earlier)
             if m["role"] in ("user", "assistant")]
    pairs = [(asked, answered) for (role, asked), (next_role, answered) in zip(turns, turns[1:])
             if role == "user" and next_role == "assistant" and asked and answered]
    return tuple(pairs[-HISTORY_PAIRS:])


def _params(body: dict) -> tuple[dict, dict]:
    params, aliases = {}, {}
    # max_completion_tokens after max_tokens: the newer name wins when a client sends both.
    for name, acervo in PARAMS.items():
        if body.get(name) is not None:
            params[acervo] = body[name]
            if name != acervo:
                aliases[acervo] = name
    return params, aliases


def _flag(body: dict, name: str) -> bool:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise OpenAIError(BAD_FLAG.format(name=name), param=name, code="invalid_type")
    return bool(value)


def _conversation_id(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise OpenAIError(BAD_CONVERSATION, param="conversation_id", code="invalid_type")
    return value
