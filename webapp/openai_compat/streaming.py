"""An answer's event stream relayed as OpenAI's server-sent events, ending with `data: [DONE]`.

Events come from `webapp.chat.relay.answer_events` (the relay /api/v1/chat uses: queue position, lost worker and
lost stream handled there). Each becomes a `chat.completion.chunk` (see `shapes`): `sources` and `quote` as empty
deltas with an `acervo` field, `token` as content, `done` as the rest of the text, then a chunk with
finish_reason, `citations` and `acervo`, and with `stream_options.include_usage` a usage chunk with no choices.
An `error` event is OpenAI's in-stream error, `data: {"error": {...}}` (the SDKs raise it), and ends the stream.

A client that closes the stream before the end cancels the answer (`services.answer_abandon`): the worker stops
within a token instead of writing for nobody.
"""

import json
import logging
from collections.abc import AsyncIterator

from asgiref.sync import sync_to_async

from webapp.api.schemas import citations_out
from webapp.chat.relay import answer_events
from webapp.openai_compat import shapes
from webapp.openai_compat.errors import OpenAIError
from webapp.openai_compat.services import answer_abandon

log = logging.getLogger(__name__)
DONE = "data: [DONE]\n\n"


def data(payload: dict) -> str:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"


async def completion_stream(message, *, user, model: str, created: int, link: shapes.Linker,
                            include_usage: bool) -> AsyncIterator[str]:
    def chunk(**fields) -> str:
        return data(shapes.chunk(message.pk, model=model, created=created, **fields))

    ended, streamed = False, []
    ids = {"conversation_id": message.conversation_id, "message_id": message.pk}
    try:
        yield chunk(delta={"role": "assistant", "content": ""}, acervo=ids)
        async for _, event, payload in answer_events(message.pk):
            if event == "ping":
                yield ": ping\n\n"
            elif event == "sources":
                sources = [shapes.source(p, link) for p in payload.get("passages", [])]
                yield chunk(acervo={**ids, "sources": sources, "closest": payload.get("closest", False)})
            elif event == "quote":
                yield chunk(acervo={**ids, "quote": payload})
            elif event == "token":
                streamed.append(payload["text"])
                yield chunk(delta={"content": payload["text"]})
            elif event == "done":
                ended = True
                for part in await _ending(payload, "".join(streamed), chunk, link, include_usage):
                    yield part
            elif event == "error":
                ended = True
                failure = OpenAIError(payload.get("message", "The answer failed."), status=503,
                                      code=payload.get("code", "answer_failed"))
                yield data(failure.as_dict())
    finally:
        if not ended:
            await _abandon(user, message.pk)


async def _ending(done: dict, streamed: str, chunk, link: shapes.Linker, include_usage: bool) -> list[str]:
    answer = done.get("answer") or ""
    parts = []
    if tail := shapes.text_tail(streamed, answer):
        parts.append(chunk(delta={"content": tail}))
    citations = await sync_to_async(citations_out)(done.get("citations") or [])
    parts.append(chunk(finish=shapes.finish_reason(done.get("finish_reason")),
                       citations=[shapes.citation(c, link) for c in citations],
                       acervo={**shapes.extension(done, link), "answer": answer}))
    if include_usage:
        parts.append(chunk(usage=shapes.usage(done)))
    parts.append(DONE)
    return parts


async def _abandon(user, message_id: int) -> None:
    try:
        await sync_to_async(answer_abandon)(user=user, message_id=message_id)
    except Exception:  # the client is gone: nobody to tell; the worker's timeout still ends the answer
        log.exception("could not cancel abandoned answer %s", message_id)
