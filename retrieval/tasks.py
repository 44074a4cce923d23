"""Celery interface of answering and searching: on the `answer` queue, never behind ingestion.

Not `acks_late` (the global setting is on, for ingestion): a half-streamed answer is not worth replaying an
hour later; if its worker dies, retrieval.sweep ends it with an error the asker sees and can regenerate from.
"""

from celery import shared_task

from retrieval import sweep
from retrieval.answer import answer_message
from retrieval.contracts import events
from retrieval.index.base import IndexUnreachable
from retrieval.search import search_passages


@shared_task(acks_late=False)
def answer(message_id: int) -> None:
    with sweep.answering(message_id):
        answer_message(message_id)


@shared_task(acks_late=False)
def search(request_id: str, query: str, collection_ids: list[int], k: int, mode: str = "hybrid") -> None:
    """Passages for the search API; the permission filter (`collection_ids`) is part of the engine query."""
    try:
        passages = search_passages(query, collection_ids=collection_ids, limit=k, mode=mode)
        events.send_reply(request_id, {"passages": [p.as_event() | {"modes": list(p.modes)} for p in passages]})
    except Exception as exc:
        events.send_reply(request_id, _search_failure(exc))
        raise


def _search_failure(exc: Exception) -> dict:
    """The reply for a search that failed; an unreachable index server says so in words a person can act on."""
    reply = {"error": f"{type(exc).__name__}: {exc}"}
    if isinstance(exc, IndexUnreachable):
        reply |= {"code": "index_unreachable", "message": str(exc)}
    return reply


@shared_task
def optimize_index() -> None:
    """Build the embedded index's HNSW graphs; it pauses this worker while it runs, so run it at a quiet time."""
    from retrieval.components import get_index

    optimize = getattr(get_index(), "optimize", None)
    if optimize:
        optimize()


@shared_task(acks_late=False)
def evaluation_set_run(run_id: int) -> None:
    """One profile over a collection's evaluation set (webapp.review), case by case through the answer path."""
    from retrieval.regression import set_run_execute

    set_run_execute(run_id)
