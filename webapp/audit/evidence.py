"""The evidence record of an answer: who asked what, through which surface, which passages (chunk, document
version) were shown, with which profile and exact parameters, and a hash of the answer text.

Written by the worker when it finishes an answer (`retrieval.answer._complete`), together with the answer's usage.
The question text is personal data: it sits in `personal` (erasable) and its sha256 in the hashed part, so an
erased record still proves which question was asked to anyone who holds the text.
"""

import logging

from retrieval.contracts.payloads import Usage
from webapp.audit.chain import record, sha256_text
from webapp.audit.context import acting_as
from webapp.audit.models import AuditEntry
from webapp.chat.models import Message
from webapp.documents.models import Chunk

log = logging.getLogger(__name__)


def answer_finished(message: Message, *, passages, text: str, finish: str, outcome: str, usage: Usage) -> None:
    """Usage then evidence; a failure here is logged, never the answer's: it is already stored and announced."""
    from webapp.usage.records import usage_finished

    try:
        accounted = usage_finished(message=message, usage=usage)
        answer_recorded(message, passages=passages, text=text, finish=finish, outcome=outcome,
                        surface=accounted.surface if accounted else "api", accounted=accounted)
    except Exception:
        log.exception("the evidence record of answer %s could not be written", message.pk)


def answer_recorded(message: Message, *, passages, text: str, finish: str, outcome: str, surface: str,
                    accounted=None) -> AuditEntry:
    question = _question_of(message)
    user = message.conversation.user
    data = {
        "message_id": message.pk,
        "conversation_id": message.conversation_id,
        "asked_at": message.created_at.isoformat(),
        "question_sha256": sha256_text(question),
        "search_query_sha256": sha256_text(message.search_query or ""),  # a follow-up's standalone rewrite
        "answer_sha256": sha256_text(text),
        "finish_reason": finish,
        "outcome": outcome,
        "collections": list(message.collections or []),
        "profile": {"id": message.profile_id, "name": message.profile.name if message.profile else None},
        "params": message.params,
        "passages": _passages(passages),
        "usage": {"prompt_tokens": accounted.prompt_tokens, "completion_tokens": accounted.completion_tokens,
                  "model_seconds": accounted.model_seconds} if accounted else {},
    }
    with acting_as(surface=surface, user=user):
        return record(AuditEntry.Kind.ANSWER, actor=user, obj=message, data=data, personal={"question": question})


def _question_of(message: Message) -> str:
    asked = (Message.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk, role=Message.Role.USER)
             .order_by("-pk").values_list("text", flat=True).first())
    return asked or ""


def _passages(passages) -> list[dict]:
    """Each shown passage with the document version it came from (read now: the chunk row is that version's)."""
    versions = {row["id"]: row for row in Chunk.objects.filter(pk__in=[p.chunk_id for p in passages])
                .values("id", "version", "document__sha256", "document__revision")}
    shown = []
    for p in passages:
        found = versions.get(p.chunk_id, {})
        shown.append({"n": p.n, "chunk_id": p.chunk_id, "document_id": p.document_id, "collection_id": p.collection_id,
                      "document_version": found.get("version"), "document_sha256": found.get("document__sha256"),
                      "document_revision": found.get("document__revision"), "score": round(float(p.score), 6)})
    return shown
