"""Celery interface of webapp/operations/index_access.py: the worker that holds an embedded index runs the action."""

from celery import shared_task

from retrieval.contracts import events


@shared_task(acks_late=False)
def index_points(request_id: str, action: str, arguments: dict) -> None:
    from retrieval.components import active_version, index_of
    from webapp.operations.index_access import ACTIONS, index_facts

    try:
        version = active_version()
        index = index_of(version)
        facts = index_facts(index, version.model, version.dim)
        events.send_reply(request_id, ACTIONS[action](index, facts, **arguments))
    except Exception as exc:
        events.send_reply(request_id, {"error": f"{type(exc).__name__}: {exc}"})
        raise
