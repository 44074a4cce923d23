"""An answer's events written as OpenAI objects: `chat.completion` and `chat.completion.chunk`.

What a client that knows nothing of Acervo still gets: the answer's text with its `[n]` markers, OpenAI's
`finish_reason` ("length" when the answer was cut by max_tokens or the time limit, else "stop") and `usage`.
What an Acervo-aware client also gets, in two extra top-level fields (README: Integrations):
- `citations`: the sources the answer cites, `[n]` → document, page, passage text, link to the original, and the
  support check's verdict (`supported`: true, false when weak, null when unchecked; `support`, `weak_code`,
  `weak_reason`);
- `acervo`: the conversation and message ids, `outcome` and `refused` (a question the documents do not answer is
  a normal assistant message saying so, finish_reason "stop", with `refused: true` and `reasons` as codes),
  `answerability`, the verbatim `quote`, Acervo's own `finish_reason` and the `sources` read (for a refusal:
  the closest passages, not support).
A stream carries the same: a first chunk with the role and the ids, a chunk with the sources and one with the
quote (empty deltas) before the text, the text, then a last chunk with finish_reason, `citations` and `acervo`.
"""

import re
from collections.abc import Callable

ANSWER_ID = "chatcmpl-acervo-{message_id}"
MARKER = re.compile(r"\[(\d+)\]")
# Acervo's finish reasons that mean "cut short"; every other one ended the answer normally.
CUT = ("length", "timeout")

Linker = Callable[[int | None, int | None], str | None]  # (document id, page) → an absolute link, or None


def finish_reason(acervo_finish: str | None) -> str:
    return "length" if acervo_finish in CUT else "stop"


def usage(done: dict) -> dict:
    figures = done.get("usage") or {}
    prompt, completion = int(figures.get("prompt_tokens") or 0), int(figures.get("completion_tokens") or 0)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def citation(cited: dict, link: Linker) -> dict:
    """One entry of `citations`. `cited` is a citation of the `done` event, with `document_deleted`."""
    deleted = cited.get("document_deleted", False)
    return {
        "n": cited["n"], "document_id": cited.get("document_id"), "title": cited.get("title", ""),
        "page": cited.get("page"), "location": cited.get("location", ""), "text": cited.get("text", ""),
        "url": None if deleted else link(cited.get("document_id"), cited.get("page")),
        "supported": _supported(cited), "support": cited.get("support"),
        "weak_code": cited.get("weak_code", ""), "weak_reason": cited.get("weak_reason", ""),
        "attributed": cited.get("attributed", False), "document_deleted": deleted,
    }


def _supported(cited: dict) -> bool | None:
    """The support check's verdict: false for a weak citation, null when nothing was checked (no model wrote it)."""
    if cited.get("weak"):
        return False
    return None if cited.get("support") is None else True


def source(passage: dict, link: Linker) -> dict:
    return {"n": passage["n"], "document_id": passage.get("document_id"), "title": passage.get("title", ""),
            "page": passage.get("page"), "score": passage.get("score"),
            "url": link(passage.get("document_id"), passage.get("page"))}


def extension(done: dict, link: Linker) -> dict:
    """The `acervo` field of a finished answer."""
    return {
        "conversation_id": done.get("conversation_id"), "message_id": done.get("message_id"),
        "outcome": done.get("outcome") or "", "refused": done.get("outcome") == "refused",
        "reasons": done.get("reasons") or [], "answerability": done.get("answerability"),
        "quote": done.get("quote") or None, "finish_reason": done.get("finish_reason"),
        "sources": [source(p, link) for p in done.get("sources") or []],
    }


def completion(done: dict, citations: list[dict], *, model: str, created: int, link: Linker) -> dict:
    """The non-streamed answer. `citations`: the done event's, each with `document_deleted`."""
    return {
        "id": ANSWER_ID.format(message_id=done.get("message_id")), "object": "chat.completion",
        "created": created, "model": model, "system_fingerprint": None,
        "choices": [{"index": 0, "logprobs": None, "finish_reason": finish_reason(done.get("finish_reason")),
                     "message": {"role": "assistant", "content": done.get("answer") or "", "refusal": None}}],
        "usage": usage(done),
        "citations": [citation(c, link) for c in citations],
        "acervo": extension(done, link),
    }


def chunk(message_id: int, *, model: str, created: int, delta: dict | None = None, finish: str | None = None,
          usage: dict | None = None, **extra) -> dict:
    """One `chat.completion.chunk`; `extra` adds top-level fields (citations, acervo). With `usage`, OpenAI's
    usage chunk (stream_options.include_usage): no choices."""
    choices = [{"index": 0, "delta": delta or {}, "logprobs": None, "finish_reason": finish}]
    return {
        "id": ANSWER_ID.format(message_id=message_id), "object": "chat.completion.chunk", "created": created,
        "model": model, "system_fingerprint": None, "choices": [] if usage else choices,
        **({"usage": usage} if usage else {}), **extra,
    }


def text_tail(streamed: str, answer: str) -> str:
    """What to send after the streamed tokens so the text a client assembled carries the answer's markers.

    The worker's final text can differ from its tokens: a refusal or a quote-only answer has no tokens, and
    markers are added for sentences the model left uncited. When the final text continues the streamed one, the
    rest is sent; otherwise the markers the client has not seen are appended (the exact final text is in the
    last chunk's `acervo.answer`).
    """
    if answer.startswith(streamed):
        return answer[len(streamed):]
    seen = set(MARKER.findall(streamed))
    missing = [n for n in dict.fromkeys(MARKER.findall(answer)) if n not in seen]
    return (" " + "".join(f"[{n}]" for n in missing)) if missing else ""
