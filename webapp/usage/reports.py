"""Usage over a period, per user, group, collection and profile, with cost where the profile has a price.

An answer counts once per user and profile; for each of its user's groups; and for each collection it searched
(an answer searching three collections counts in each, so the collections' rows add up to more than the total).
Cost = prompt tokens × prompt price + completion tokens × completion price, per million, in the profile's currency.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from webapp.documents.models import Collection
from webapp.usage.models import AnswerUsage

MILLION = Decimal(1_000_000)
NOBODY = "—"


@dataclass
class Line:
    name: str
    questions: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model_seconds: float = 0.0
    cost: dict[str, Decimal] = field(default_factory=dict)  # currency → amount

    def add(self, row: AnswerUsage, cost: tuple[str, Decimal] | None) -> None:
        self.questions += 1
        self.prompt_tokens += row.prompt_tokens
        self.completion_tokens += row.completion_tokens
        self.model_seconds += row.model_seconds
        if cost:
            self.cost[cost[0]] = self.cost.get(cost[0], Decimal(0)) + cost[1]

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def cost_text(self) -> str:
        return ", ".join(f"{currency} {amount:.2f}" for currency, amount in sorted(self.cost.items())) or "–"


@dataclass
class Report:
    start: date
    end: date  # exclusive
    total: Line
    by_user: list[Line]
    by_group: list[Line]
    by_collection: list[Line]
    by_profile: list[Line]
    per_day: list[tuple[date, Line]]


def answer_cost(row: AnswerUsage) -> tuple[str, Decimal] | None:
    price = getattr(row.profile, "price", None) if row.profile_id else None
    if price is None:
        return None
    amount = (row.prompt_tokens * price.prompt_per_million + row.completion_tokens * price.completion_per_million) / MILLION
    return price.currency, amount


def usage_report(*, start: date, end: date) -> Report:
    """Answers asked from `start` to `end` (exclusive), in the site's time zone."""
    since, until = (timezone.make_aware(datetime.combine(d, datetime.min.time())) for d in (start, end))
    rows = (AnswerUsage.objects.filter(created_at__gte=since, created_at__lt=until)
            .select_related("user", "profile__price").prefetch_related("user__groups"))
    total = Line("total")
    lines: dict[str, dict[str, Line]] = {kind: {} for kind in ("user", "group", "collection", "profile")}
    days = {start + timedelta(days=i): Line(str(start + timedelta(days=i))) for i in range((end - start).days)}
    names = dict(Collection.objects.values_list("pk", "name"))

    def line(kind: str, name: str) -> Line:
        return lines[kind].setdefault(name, Line(name))

    for row in rows:
        cost = answer_cost(row)
        total.add(row, cost)
        day = timezone.localtime(row.created_at).date()
        if day in days:
            days[day].add(row, cost)
        line("user", row.user.get_username() if row.user else NOBODY).add(row, cost)
        line("profile", row.profile_name or NOBODY).add(row, cost)
        for group in (row.user.groups.all() if row.user else []):
            line("group", group.name).add(row, cost)
        for collection_id in row.collections or []:
            line("collection", names.get(collection_id, f"#{collection_id}")).add(row, cost)
    ordered = {kind: sorted(found.values(), key=lambda found_line: (-found_line.tokens, -found_line.questions, found_line.name)) for kind, found in lines.items()}
    return Report(start, end, total, ordered["user"], ordered["group"], ordered["collection"], ordered["profile"],
                  sorted(days.items()))


def month_bounds(month: str | None) -> tuple[date, date]:
    """`YYYY-MM` (default: this month) → its first day and the next month's first day."""
    today = timezone.localdate()
    try:
        year, number = (int(part) for part in (month or "").split("-"))
        first = date(year, number, 1)
    except ValueError:
        first = today.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following
