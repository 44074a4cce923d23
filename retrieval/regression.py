"""Runs of a collection's evaluation set (webapp.review): every regression case asked through the real answer path
(`answer_message`: retrieve → judge → quote → prompt → generate → cite → check) with one model profile, scored by
`webapp.review.scoring`, progress written case by case, the run kept.

The questions are asked as an inactive user of their own (REVIEW_RUN_USER) whose conversations are deleted once
scored, so runs never show in the review queue, the knowledge gaps or anyone's history. A run is claimed with a
conditional update: two workers never run the same one.
"""

import logging

from django.contrib.auth import get_user_model
from django.utils import timezone

from retrieval.answer import answer_message
from retrieval.contracts import events
from webapp.chat.models import Conversation, Message
from webapp.chat.params import params_resolve
from webapp.review.models import SetRun
from webapp.review.runs import settings_in_use
from webapp.review.scoring import case_result, run_summary

log = logging.getLogger(__name__)
REVIEW_RUN_USER = "acervo-review-runs"
SEED = 0  # fixed, so two runs of one profile differ only by what changed


def set_run_execute(run_id: int) -> None:
    if not SetRun.objects.filter(pk=run_id, status=SetRun.Status.QUEUED).update(status=SetRun.Status.RUNNING):
        return
    run = SetRun.objects.select_related("evaluation_set", "profile").get(pk=run_id)
    SetRun.objects.filter(pk=run_id).update(settings_used=settings_in_use(), worker=events.worker_name())
    cases = list(run.evaluation_set.cases.all())
    SetRun.objects.filter(pk=run_id).update(total=len(cases), done=0)
    if run.profile is None:
        return _end(run_id, status=SetRun.Status.FAILED, error="profile_gone")
    try:
        results = [_one(run, case, n) for n, case in enumerate(cases, start=1)]
    except Exception:
        log.exception("evaluation set run %s failed", run_id)
        return _end(run_id, status=SetRun.Status.FAILED, error="run_failed")
    _end(run_id, status=SetRun.Status.DONE, results=results, summary=run_summary(results))


def _one(run: SetRun, case, n: int) -> dict:
    message = _ask(run, case.question)
    try:
        result = case_result(_case_dict(case), _answer_dict(message))
    finally:
        _forget(message)
    SetRun.objects.filter(pk=run.pk).update(done=n)
    return result


def _ask(run: SetRun, question: str) -> Message:
    """What `question_ask` writes, answered here and now in this worker thread."""
    user, _ = get_user_model().objects.get_or_create(username=REVIEW_RUN_USER, defaults={"is_active": False})
    conversation = Conversation.objects.create(user=user, title=question[:80])
    Message.objects.create(conversation=conversation, role=Message.Role.USER, text=question)
    message = Message.objects.create(
        conversation=conversation, role=Message.Role.ASSISTANT, status=Message.Status.QUEUED,
        collections=[run.evaluation_set.collection_id], profile=run.profile,
        params=params_resolve(None, profile=run.profile) | {"seed": SEED},
    )
    answer_message(message.pk)
    message.refresh_from_db()
    return message


def _case_dict(case) -> dict:
    return {"id": case.pk, "question": case.question, "expected_passages": case.expected_passages,
            "expected_answer": case.expected_answer, "should_refuse": case.should_refuse}


def _answer_dict(message: Message) -> dict:
    return {
        "outcome": message.outcome, "text": message.text, "quote": (message.quote or {}).get("text", ""),
        "support": message.support, "usage": message.usage,
        "passages": [{"n": c.n, "chunk_id": c.chunk_id, "title": c.title, "text": c.text, "score": round(c.score, 4),
                      "cited": c.cited} for c in message.citations.all()],
    }


def _forget(message: Message) -> None:
    events.client().delete(events.stream_key(message.pk), events.cancel_key(message.pk))
    message.conversation.delete()


def _end(run_id: int, **fields) -> None:
    SetRun.objects.filter(pk=run_id).update(finished_at=timezone.now(), **fields)
