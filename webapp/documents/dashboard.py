"""The numbers of the staff dashboard: what is indexed, how much is asked, how fast and how well it is answered.

Documents and chunks count the collections the viewer may read. Questions, answers and feedback are counted
over the whole instance (numbers only); the questions and comments shown as text are only those asked
within collections the viewer may read.
"""

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from webapp.access import decide
from webapp.chat.models import Feedback, Message
from webapp.documents.models import Chunk, Document

PERIODS = (7, 30, 90)
SAMPLES = 8
SCANNED = 300  # recent rows looked at to find SAMPLES the viewer may see


@dataclass(frozen=True)
class Dashboard:
    days: list[date]
    documents_by_status: dict[str, int]
    chunks: int
    questions_per_day: list[int]
    ttft_median_ms: float | None
    ttft_median_per_day: list[float | None]
    answers: int
    outcomes: dict[str, int]  # answered, refused, unconfirmed, other (stopped or failed)
    reasons: dict[str, int]  # reason code → answers giving it
    thumbs_up: int
    thumbs_down: int
    unanswered: list[Message]  # recent questions the documents did not cover
    complaints: list[Feedback]  # recent thumbs down with a comment


def dashboard_numbers(*, user, days: int = 30) -> Dashboard:
    readable = decide.collection_ids(user)
    today = timezone.localdate()
    period = [today - timedelta(days=n) for n in range(days - 1, -1, -1)]
    since = timezone.make_aware(datetime.combine(period[0], time.min))
    answers = Message.objects.filter(role=Message.Role.ASSISTANT, created_at__gte=since).exclude(
        status__in=(Message.Status.QUEUED, Message.Status.RUNNING))
    ttft = _ttft_by_day(answers)
    feedback = Feedback.objects.filter(created_at__gte=since).values("thumbs_up").annotate(n=Count("id"))
    thumbs = {row["thumbs_up"]: row["n"] for row in feedback}
    return Dashboard(
        days=period,
        documents_by_status=_documents_by_status(readable),
        chunks=Chunk.objects.filter(document__collection_id__in=readable, version=F("document__version")).count(),
        questions_per_day=_per_day(Message.objects.filter(role=Message.Role.USER, created_at__gte=since), period),
        ttft_median_ms=_median([ms for values in ttft.values() for ms in values]),
        ttft_median_per_day=[_median(ttft.get(day, [])) for day in period],
        answers=answers.count(),
        outcomes=_outcomes(answers),
        reasons=_reasons(answers),
        thumbs_up=thumbs.get(True, 0),
        thumbs_down=thumbs.get(False, 0),
        unanswered=_visible(answers.filter(REFUSED), readable),
        complaints=_visible_feedback(Feedback.objects.filter(created_at__gte=since, thumbs_up=False).exclude(comment=""),
                                     readable),
    )


# Answers written before outcomes were stored (blank outcome) count by how they ended: "no passages" was the only
# refusal then, and any other finished answer was shown as an answer.
OLD = Q(outcome="")
REFUSED = Q(outcome="refused") | OLD & Q(finish_reason="no_passages")
ANSWERED = Q(outcome="answered") | OLD & Q(status="done") & ~Q(finish_reason="no_passages")
UNCONFIRMED = Q(outcome="unconfirmed")


def _outcomes(answers) -> dict[str, int]:
    counts = answers.aggregate(answered=Count("id", filter=ANSWERED), refused=Count("id", filter=REFUSED),
                               unconfirmed=Count("id", filter=UNCONFIRMED), all=Count("id"))
    counted = counts["answered"] + counts["refused"] + counts["unconfirmed"]
    return {"answered": counts["answered"], "refused": counts["refused"], "unconfirmed": counts["unconfirmed"],
            "other": counts["all"] - counted}


def _reasons(answers) -> dict[str, int]:
    """How many answers give each reason code, most frequent first; old refusals count as no_passages."""
    found: Counter[str] = Counter()
    for reasons in answers.exclude(reasons=[]).values_list("reasons", flat=True).iterator():
        found.update({r["code"] for r in reasons or [] if isinstance(r, dict) and isinstance(r.get("code"), str)})
    found["no_passages"] += answers.filter(OLD, finish_reason="no_passages").count()
    return {code: n for code, n in found.most_common() if n}


def _documents_by_status(readable: list[int]) -> dict[str, int]:
    rows = Document.objects.filter(collection_id__in=readable).values("status").annotate(n=Count("id"))
    counts = {row["status"]: row["n"] for row in rows}
    return {status: counts.get(status, 0) for status in Document.Status.values}


def _per_day(messages, period: list[date]) -> list[int]:
    rows = messages.annotate(day=TruncDate("created_at", tzinfo=timezone.get_current_timezone())).values("day")
    counts = {row["day"]: row["n"] for row in rows.annotate(n=Count("id"))}
    return [counts.get(day, 0) for day in period]


def _ttft_by_day(answers) -> dict[date, list[float]]:
    rows = answers.filter(usage__has_key="ttft_ms").annotate(
        day=TruncDate("created_at", tzinfo=timezone.get_current_timezone())).values_list("day", "usage__ttft_ms")
    found: dict[date, list[float]] = {}
    for day, ms in rows:
        if isinstance(ms, (int, float)):
            found.setdefault(day, []).append(float(ms))
    return found


def _median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def _visible(answers, readable: list[int]) -> list[Message]:
    """The questions of recent `answers` asked only within collections the viewer may read, newest first."""
    allowed, shown = set(readable), []
    for answer in answers.order_by("-created_at")[:SCANNED]:
        if answer.collections and set(answer.collections) <= allowed:
            question = Message.objects.filter(conversation_id=answer.conversation_id, role=Message.Role.USER,
                                              pk__lt=answer.pk).order_by("-pk").first()
            if question:
                question.answered_at = answer.created_at
                shown.append(question)
        if len(shown) == SAMPLES:
            break
    return shown


def _visible_feedback(feedback, readable: list[int]) -> list[Feedback]:
    allowed = set(readable)
    recent = feedback.select_related("message").order_by("-created_at")[:SCANNED]
    return [f for f in recent if f.message.collections and set(f.message.collections) <= allowed][:SAMPLES]
