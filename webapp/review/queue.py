"""The review queue: answers someone should look at, newest first, with why.

Reasons (codes, translated at display): thumbs_down (a reader's feedback), refused (the refusal logic: not in the
documents), unconfirmed (the support check backed no claim), weak_citation (a citation the support check flagged).
A reviewer sees an answer only when they may read a collection it searched.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef, Q, Subquery

from webapp.accounts.selectors import collections_readable_by
from webapp.chat.models import Citation, Feedback, Message
from webapp.review.models import ReviewMark

REASONS = ("thumbs_down", "refused", "unconfirmed", "weak_citation")
MAX_SCANNED = 1000
RUN_USER = "acervo-review-runs"  # retrieval.regression.REVIEW_RUN_USER (the web does not import the worker's module)


@dataclass
class QueueFilter:
    collection: int | None = None
    reason: str = ""
    since: date | None = None
    until: date | None = None
    reviewed: bool = False  # True: the reviewed ones; False: those still to review


@dataclass
class QueueItem:
    message: Message
    reasons: list[str] = field(default_factory=list)


def _annotated():
    thumbs_down = Feedback.objects.filter(message=OuterRef("pk"), thumbs_up=False)
    weak = Citation.objects.filter(message=OuterRef("pk")).exclude(weak_code="")
    asked = Message.objects.filter(conversation=OuterRef("conversation"), pk__lt=OuterRef("pk"),
                                   role=Message.Role.USER).order_by("-pk").values("text")[:1]
    return Message.objects.filter(role=Message.Role.ASSISTANT).exclude(conversation__user__username=RUN_USER).annotate(
        thumbs_down=Exists(thumbs_down), weak_citation=Exists(weak),
        reviewed=Exists(ReviewMark.objects.filter(message=OuterRef("pk"))), question=Subquery(asked),
    )


def review_queue(*, user, wanted: QueueFilter, limit: int = 200) -> list[QueueItem]:
    readable = set(collections_readable_by(user).values_list("id", flat=True))
    messages = _annotated().filter(
        Q(thumbs_down=True) | Q(weak_citation=True) | Q(outcome__in=["refused", "unconfirmed"]),
        reviewed=wanted.reviewed,
    )
    if wanted.reason == "thumbs_down":
        messages = messages.filter(thumbs_down=True)
    elif wanted.reason == "weak_citation":
        messages = messages.filter(weak_citation=True)
    elif wanted.reason in ("refused", "unconfirmed"):
        messages = messages.filter(outcome=wanted.reason)
    if wanted.since:
        messages = messages.filter(created_at__date__gte=wanted.since)
    if wanted.until:
        messages = messages.filter(created_at__date__lte=wanted.until)
    items = []
    # Message.collections is a JSON list: filtered here, the same way on SQLite and PostgreSQL.
    for message in messages.select_related("profile", "conversation").order_by("-created_at")[:MAX_SCANNED]:
        searched = set(message.collections or [])
        if not searched & readable or (wanted.collection and wanted.collection not in searched):
            continue
        items.append(QueueItem(message, reasons_of(message)))
        if len(items) >= limit:
            break
    return items


def reasons_of(message) -> list[str]:
    found = ["thumbs_down"] if getattr(message, "thumbs_down", False) else []
    if message.outcome in ("refused", "unconfirmed"):
        found.append(message.outcome)
    if getattr(message, "weak_citation", False):
        found.append("weak_citation")
    return found


def review_item(*, user, message_id: int) -> QueueItem | None:
    """One answer with its question, for review; None when it does not exist or the user may not read it."""
    message = _annotated().select_related("profile", "conversation").filter(pk=message_id).first()
    readable = set(collections_readable_by(user).values_list("id", flat=True))
    if message is None or not set(message.collections or []) & readable:
        return None
    return QueueItem(message, reasons_of(message))


def question_of(message: Message) -> str:
    asked = Message.objects.filter(conversation_id=message.conversation_id, pk__lt=message.pk,
                                   role=Message.Role.USER).order_by("-pk").first()
    return asked.text if asked else ""


def review_mark(*, user, message: Message) -> None:
    ReviewMark.objects.get_or_create(message=message, defaults={"reviewed_by": user})
