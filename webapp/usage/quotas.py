"""Quotas: how many questions and tokens (prompt + completion) a user, and a group's members together, may use per
minute and per day. Checked by `webapp.chat.services.question_ask` (and the redo of an answer), so every surface
(browser, API, OpenAI-compatible, MCP) is held to them.

Windows roll: "per day" is the last 24 hours, "per minute" the last 60 seconds. Tokens are known when an answer
ends, so a limit on tokens stops the next question, not the answer that crosses it. Defaults come from settings
(QUOTA_*; 0 = no limit); `GroupQuota` overrides them per group.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from webapp.errors import AppError
from webapp.usage.models import AnswerUsage, GroupQuota, QuotaLock

WINDOWS = {"minute": 60, "day": 24 * 3600}
RESOURCES = ("questions", "tokens")


@dataclass(frozen=True)
class Allowance:
    scope: str  # "user" or "group"
    group: str  # the group's name for a group limit
    resource: str  # "questions" or "tokens"
    window: str  # "minute" or "day"
    limit: int
    used: int
    retry_at: datetime | None  # when it is under the limit again, if it is not now

    @property
    def remaining(self) -> int:
        return max(0, self.limit - self.used)

    @property
    def exceeded(self) -> bool:
        return self.used >= self.limit


def _default(scope: str, resource: str, window: str) -> int:
    return getattr(settings, f"QUOTA_{scope.upper()}_{resource.upper()}_PER_{window.upper()}")


def limits_for(user) -> list[tuple[str, object, str, str, int]]:
    """(scope, group or None, resource, window, limit) of every limit that applies to `user` (0 = none)."""
    groups = list(user.groups.all())
    overrides = list(GroupQuota.objects.filter(group__in=groups))
    found = []
    for resource in RESOURCES:
        for window in WINDOWS:
            name = f"{resource}_per_{window}"
            member = [getattr(q, f"member_{name}") for q in overrides if getattr(q, f"member_{name}") is not None]
            limit = 0 if 0 in member else max(member) if member else _default("user", resource, window)
            found.append(("user", None, resource, window, limit))
            for group in groups:
                override = next((q for q in overrides if q.group_id == group.pk), None)
                value = getattr(override, f"group_{name}") if override else None
                found.append(("group", group, resource, window, _default("group", resource, window) if value is None else value))
    return [limit for limit in found if limit[4] > 0]


def allowances(user, *, now: datetime | None = None, limits: list | None = None) -> list[Allowance]:
    now = now or timezone.now()
    result, rows_of = [], {}
    for scope, group, resource, window, limit in limits_for(user) if limits is None else limits:
        key = group.pk if group else None
        if key not in rows_of:
            rows = AnswerUsage.objects.filter(created_at__gte=now - timedelta(seconds=WINDOWS["day"]))
            rows = rows.filter(user__groups=group) if group else rows.filter(user=user)
            rows_of[key] = list(rows.order_by("created_at").values_list("created_at", "prompt_tokens", "completion_tokens"))
        result.append(_allowance(rows_of[key], scope, group, resource, window, limit, now))
    return result


def _allowance(rows, scope, group, resource, window, limit, now) -> Allowance:
    span = timedelta(seconds=WINDOWS[window])
    amounts = [(at, 1 if resource == "questions" else p + c) for at, p, c in rows if at > now - span]
    used = sum(amount for _, amount in amounts)
    retry_at, left = None, used
    for at, amount in amounts:  # oldest first: when enough of them leave the window
        if left < limit:
            break
        left -= amount
        retry_at = at + span
    return Allowance(scope, group.name if group else "", resource, window, limit, used, retry_at if used >= limit else None)


def quota_check(user, *, locked: bool = False) -> list[Allowance]:
    """The user's allowances; raises a 429 AppError (Retry-After and X-Quota-* headers) when one is used up.

    `locked`: first take the quota lock, held until the current transaction ends, so questions sent at the same
    instant cannot all take the last free place. Call it so as the first statement of the transaction that writes the
    question's usage row (SQLite refuses a write after a read in a transaction another process wrote since), and only
    when an unlocked check found limits: without any, no lock is needed."""
    if locked:
        _lock()
    limits = limits_for(user)
    if not limits:
        return []
    found = allowances(user, limits=limits)
    blocked = [a for a in found if a.exceeded]
    if not blocked:
        return found
    worst = max(blocked, key=lambda a: a.retry_at or timezone.now())
    wait = max(1, math.ceil(((worst.retry_at or timezone.now()) - timezone.now()).total_seconds()))
    headers = {"Retry-After": str(wait), **quota_headers(found, exceeded=worst)}
    raise AppError("quota_exceeded", quota_message(worst, wait), status=429, headers=headers,
                   details={"scope": worst.scope, "group": worst.group or None, "resource": worst.resource,
                            "window": worst.window, "limit": worst.limit, "retry_after_s": wait,
                            "retry_at": worst.retry_at.isoformat() if worst.retry_at else None})


def _lock() -> None:
    if not QuotaLock.objects.filter(pk=1).update(taken=F("taken") + 1):
        QuotaLock.objects.get_or_create(pk=1)
        QuotaLock.objects.filter(pk=1).update(taken=F("taken") + 1)


def quota_headers(found: list[Allowance], *, exceeded: Allowance | None = None, asked: bool = False) -> dict[str, str]:
    """X-Quota-Remaining-<Resource>-<Window>: the least left among the limits that apply (`asked`: after the
    question just accepted, which counts one question); with `exceeded`, the limit that stopped the question
    (X-Quota-Limit, X-Quota-Scope, X-Quota-Resource, X-Quota-Window)."""
    headers = {}
    for a in found:
        name = f"X-Quota-Remaining-{a.resource.title()}-{a.window.title()}"
        left = max(0, a.remaining - 1) if asked and a.resource == "questions" else a.remaining
        headers[name] = str(min(left, int(headers.get(name, left))))
    if exceeded:
        headers |= {"X-Quota-Limit": str(exceeded.limit), "X-Quota-Resource": exceeded.resource,
                    "X-Quota-Window": exceeded.window,
                    "X-Quota-Scope": f"group:{exceeded.group}" if exceeded.group else "user"}
    return headers


def quota_message(a: Allowance, wait_s: int) -> str:
    """In the reader's language: which limit, and when they can ask again."""
    what = {
        ("questions", "minute"): ngettext("%(limit)s question per minute", "%(limit)s questions per minute", a.limit),
        ("questions", "day"): ngettext("%(limit)s question per day", "%(limit)s questions per day", a.limit),
        ("tokens", "minute"): ngettext("%(limit)s token per minute", "%(limit)s tokens per minute", a.limit),
        ("tokens", "day"): ngettext("%(limit)s token per day", "%(limit)s tokens per day", a.limit),
    }
    limit = what[(a.resource, a.window)] % {"limit": a.limit}
    when = timezone.localtime(a.retry_at or timezone.now())
    at = date_format(when, "TIME_FORMAT" if wait_s < 12 * 3600 else "SHORT_DATETIME_FORMAT")
    parts = {"limit": limit, "at": at, "wait": _wait_words(wait_s), "group": a.group}
    if a.group:
        return _("Your group %(group)s has used its limit of %(limit)s. You can ask again at %(at)s (in %(wait)s).") % parts
    return _("You have used your limit of %(limit)s. You can ask again at %(at)s (in %(wait)s).") % parts


def _wait_words(seconds: int) -> str:
    if seconds <= 60:
        return _("%(n)s s") % {"n": seconds}
    if seconds < 3600:
        return _("%(n)s min") % {"n": math.ceil(seconds / 60)}
    return _("%(h)s h %(m)s min") % {"h": seconds // 3600, "m": math.ceil(seconds % 3600 / 60)}
