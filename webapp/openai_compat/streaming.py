"""An answer's event stream relayed as OpenAI's server-sent events, ending with `data: [DONE]`.

Events come from `webapp.chat.relay.answer_events` (the relay /api/v1/chat uses: queue position, lost worker and
lost stream handled there). Each becomes a `chat.completion.chunk` (see `shapes`): `sources` and `quote` as empty
deltas with an `acervo` field, `token` as content, `done` as the rest of the text, then a chunk with
finish_reason, `citations` and `acervo`, and with `stream_options.include_usage` a usage chunk with no choices.
An `error` event is OpenAI's in-stream error, `data: {"error": {...}}` (the SDKs raise it), and ends the stream.

A client that closes the stream before the end cancels the answer (`services.answer_abandon`): the worker stops
within a token instead of writing for nobody. This hangs on `close()`, which Django calls when a response ends
for whatever reason, not on the generator being cancelled: when the client leaves while a chunk is being sent
(a fast model, a backlog of tokens), Django's cancellation lands outside the generator, which would then be
finalised only when it is garbage-collected, possibly after the whole answer was written. And the relay checks
`Task.cancelling()` between events: measured here, a cancellation Django requested when the client left was
sometimes swallowed by a library awaited below (the Redis client, most likely), and the stream went on to the
answer's end (1,780 tokens relayed to nobody, the answer never cancelled).
"""

import asyncio
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


class CompletionStream:
    """The chunks of one answer, for a StreamingHttpResponse (which calls `close()` once it is over)."""

    def __init__(self, message, *, user, model: str, created: int, link: shapes.Linker, include_usage: bool):
        self.message, self.user, self.model, self.created = message, user, model, created
        self.link, self.include_usage = link, include_usage
        self.ended = False

    def __aiter__(self) -> AsyncIterator[str]:
        return self._chunks()

    def close(self) -> None:
        """Called by Django in a thread when the response is over: an answer the client left early is cancelled."""
        if not self.ended:
            self.ended = True
            try:
                answer_abandon(user=self.user, message_id=self.message.pk)
            except Exception:  # the client is gone, nobody to tell; the worker's time limit still ends the answer
                log.warning("could not cancel the abandoned answer %s", self.message.pk, exc_info=True)

    def chunk(self, **fields) -> str:
        return data(shapes.chunk(self.message.pk, model=self.model, created=self.created, **fields))

    async def _chunks(self) -> AsyncIterator[str]:
        streamed: list[str] = []
        ids = {"conversation_id": self.message.conversation_id, "message_id": self.message.pk}
        yield self.chunk(delta={"role": "assistant", "content": ""}, acervo=ids)
        async for _, event, payload in answer_events(self.message.pk):
            if asyncio.current_task().cancelling():
                return  # the client has left: close() cancels the answer
            if event == "ping":
                yield ": ping\n\n"
            elif event == "sources":
                sources = [shapes.source(p, self.link) for p in payload.get("passages", [])]
                yield self.chunk(acervo={**ids, "sources": sources, "closest": payload.get("closest", False)})
            elif event == "quote":
                yield self.chunk(acervo={**ids, "quote": payload})
            elif event == "token":
                streamed.append(payload["text"])
                yield self.chunk(delta={"content": payload["text"]})
            elif event == "done":
                self.ended = True
                for part in await self._ending(payload, "".join(streamed)):
                    yield part
            elif event == "error":
                self.ended = True
                failure = OpenAIError(payload.get("message", "The answer failed."), status=503,
                                      code=payload.get("code", "answer_failed"))
                yield data(failure.as_dict())

    async def _ending(self, done: dict, streamed: str) -> list[str]:
        answer = done.get("answer") or ""
        parts = []
        if tail := shapes.text_tail(streamed, answer):
            parts.append(self.chunk(delta={"content": tail}))
        citations = await sync_to_async(citations_out)(done.get("citations") or [])
        parts.append(self.chunk(finish=shapes.finish_reason(done.get("finish_reason")),
                                citations=[shapes.citation(c, self.link) for c in citations],
                                acervo={**shapes.extension(done, self.link), "answer": answer}))
        if self.include_usage:
            parts.append(self.chunk(usage=shapes.usage(done)))
        parts.append(DONE)
        return parts
