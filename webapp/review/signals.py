"""A model profile saved (created or changed) re-runs every evaluation set that has cases with it
(REVIEW_RERUN_ON_CHANGE), so the comparison view shows what the change did."""

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from webapp.chat.models import ModelProfile


@receiver(post_save, sender=ModelProfile)
def _profile_saved(sender, instance: ModelProfile, update_fields=None, **kwargs):
    if not settings.REVIEW_RERUN_ON_CHANGE or (update_fields and set(update_fields) <= {"is_default"}):
        return
    from webapp.review.models import EvaluationSet, SetRun
    from webapp.review.runs import set_run_request

    for evaluation_set in EvaluationSet.objects.filter(cases__isnull=False).distinct():
        set_run_request(evaluation_set=evaluation_set, profiles=[instance], trigger=SetRun.Trigger.PROFILE_CHANGED)
