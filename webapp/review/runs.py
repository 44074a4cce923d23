"""Runs of an evaluation set, asked for by the web and done by the worker (`retrieval.tasks.evaluation_set_run`,
sent by name: the web never imports worker code), and the comparison of profiles on one set."""

from decimal import Decimal

from django.conf import settings
from django.db import transaction

from webapp import celery_app
from webapp.chat.models import ModelProfile
from webapp.review.models import EvaluationSet, ProfileSwitch, SetRun
from webapp.review.scoring import METRICS, metric_worse, run_changes

MILLION = Decimal(1_000_000)

ERR_EMPTY_SET = "empty_set"
# What a run's retrieval depends on besides the profile: a change re-runs the sets when a worker starts.
RETRIEVAL_SETTINGS = ("EMBEDDING_MODEL", "SEARCH_TOP_K", "ANSWER_PASSAGES", "ANSWER_CONTEXT", "RELEVANCE_FLOOR")


def settings_in_use() -> dict:
    return {name: getattr(settings, name, None) for name in RETRIEVAL_SETTINGS}


def runs_end_stale() -> list[int]:
    """Fail the running runs whose worker stopped sending heartbeats (code worker_stopped); returns their ids.
    A conditional update each, so workers sweeping at once end a run once."""
    from retrieval.contracts import events  # Redis only: the web uses it too

    running = list(SetRun.objects.filter(status=SetRun.Status.RUNNING).exclude(worker="").values_list("pk", "worker"))
    if not running:
        return []
    alive = {status.get("name") for status in events.live_workers()}
    ended = [pk for pk, worker in running if worker not in alive and SetRun.objects.filter(
        pk=pk, status=SetRun.Status.RUNNING).update(status=SetRun.Status.FAILED, error="worker_stopped")]
    return ended


def sets_rerun_on_settings_change() -> list[SetRun]:
    """Called when a worker is ready: every set whose latest finished run used other retrieval settings than these
    runs again with that run's profile (unless a run of the set is already waiting or running)."""
    if not settings.REVIEW_RERUN_ON_CHANGE:
        return []
    current, queued = settings_in_use(), []
    for evaluation_set in EvaluationSet.objects.filter(cases__isnull=False).distinct():
        busy = evaluation_set.runs.filter(status__in=[SetRun.Status.QUEUED, SetRun.Status.RUNNING]).exists()
        latest = evaluation_set.runs.filter(status=SetRun.Status.DONE).select_related("profile").first()
        if busy or latest is None or latest.profile is None or latest.settings_used in ({}, current):
            continue
        queued += set_run_request(evaluation_set=evaluation_set, profiles=[latest.profile],
                                  trigger=SetRun.Trigger.SETTINGS_CHANGED)
    return queued


def set_run_request(*, evaluation_set: EvaluationSet, profiles: list[ModelProfile], user=None,
                    trigger: str = SetRun.Trigger.MANUAL) -> list[SetRun]:
    """One queued run per profile, sent to the worker after commit. Nothing for a set without cases."""
    if not evaluation_set.cases.exists():
        return []
    runs = [SetRun.objects.create(evaluation_set=evaluation_set, profile=p, profile_name=p.name, trigger=trigger,
                                  requested_by=user, total=evaluation_set.cases.count()) for p in profiles]
    for run in runs:
        transaction.on_commit(lambda pk=run.pk: celery_app.send_task("retrieval.tasks.evaluation_set_run", args=[pk]))
    return runs


def comparison(evaluation_set: EvaluationSet) -> list[dict]:
    """Per profile that has a finished run: {"profile", "run", "previous", "summary", "changes", "worse": {metric}}
    with the latest run and the one before it; the default profile first."""
    done = list(evaluation_set.runs.filter(status=SetRun.Status.DONE).select_related("profile__price"))
    by_profile: dict[str, list[SetRun]] = {}
    for run in done:  # newest first
        by_profile.setdefault(run.profile_name, []).append(run)
    default = ModelProfile.objects.filter(is_default=True).values_list("name", flat=True).first()
    columns = []
    for name, runs in sorted(by_profile.items(), key=lambda item: (item[0] != default, item[0])):
        latest, previous = runs[0], runs[1] if len(runs) > 1 else None
        columns.append({
            "profile": name, "is_default": name == default, "run": latest, "previous": previous,
            "summary": latest.summary,
            "changes": run_changes(previous.results, latest.results) if previous else None,
            "worse": {m for m in METRICS if previous and metric_worse(m, previous.summary.get(m), latest.summary.get(m))},
            "cost": cost_per_answer(latest), "previous_cost": cost_per_answer(previous) if previous else None,
        })
    return columns


def cost_per_answer(run: SetRun) -> tuple[str, Decimal] | None:
    """(currency, mean price of one answer) at the profile's current price per million tokens (usage.ProfilePrice),
    or None when the profile has no price or the run counted no tokens."""
    price = getattr(run.profile, "price", None) if run.profile_id else None
    counted = [r for r in run.results if r.get("prompt_tokens") is not None]
    if price is None or not counted:
        return None
    total = sum(r["prompt_tokens"] * price.prompt_per_million + (r.get("completion_tokens") or 0)
                * price.completion_per_million for r in counted) / MILLION
    return price.currency, total / len(counted)


def case_rows(evaluation_set: EvaluationSet, columns: list[dict]) -> list[dict]:
    """One row per case: {"case", "cells": [{"result", "regressed"} per column]}."""
    results = [{r.get("case"): r for r in column["run"].results} for column in columns]
    rows = []
    for case in evaluation_set.cases.all():
        cells = [{"result": found.get(case.pk),
                  "regressed": bool(column["changes"] and case.pk in column["changes"]["regressed"])}
                 for found, column in zip(results, columns, strict=True)]
        rows.append({"case": case, "cells": cells})
    return rows


def default_profile_switch(*, user, run: SetRun) -> ProfileSwitch:
    """Make the run's profile the default one, and record who did it on which run's evidence."""
    with transaction.atomic():
        before = ModelProfile.objects.filter(is_default=True).values_list("name", flat=True).first() or ""
        # A queryset update: not a profile change, so no re-run is triggered (webapp.review.signals).
        ModelProfile.objects.exclude(pk=run.profile_id).update(is_default=False)
        ModelProfile.objects.filter(pk=run.profile_id).update(is_default=True)
        return ProfileSwitch.objects.create(from_profile=before, to_profile=run.profile,
                                            to_profile_name=run.profile_name, run=run, switched_by=user)
