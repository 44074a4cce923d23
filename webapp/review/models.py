"""The review loop's rows: answers reviewed, the prompt each answer sent, a collection's evaluation set with its
regression cases, the runs of a set per model profile, and who switched the default profile on which evidence."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PromptRecord(models.Model):
    """The prompt the worker sent the model for an answer (none when the model was not called)."""

    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="prompt_record")
    text = models.TextField()
    tokens = models.IntegerField(default=0)


class ReviewMark(models.Model):
    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="review_mark")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    reviewed_at = models.DateTimeField(auto_now_add=True)


class EvaluationSet(models.Model):
    """A collection's own questions with what a good answer finds and says: regression cases."""

    collection = models.OneToOneField("documents.Collection", on_delete=models.CASCADE, related_name="evaluation_set")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.collection)


class RegressionCase(models.Model):
    """expected_passages: [{"doc_id", "title", "text", "chunk_id"?}]; a run finds one when a passage it retrieved
    has that chunk id or holds (or is held in) that text, so cases survive a reindex."""

    evaluation_set = models.ForeignKey(EvaluationSet, on_delete=models.CASCADE, related_name="cases")
    qid = models.CharField(max_length=100, blank=True)
    question = models.TextField()
    expected_passages = models.JSONField(default=list, blank=True)
    expected_answer = models.TextField(blank=True)
    should_refuse = models.BooleanField(default=False)
    language = models.CharField(max_length=10, blank=True)
    source_message = models.ForeignKey("chat.Message", null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class SetRun(models.Model):
    """One profile answering every case of a set in the worker. results: one dict per case
    (`webapp.review.scoring.case_result`); summary: `webapp.review.scoring.run_summary`."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Trigger(models.TextChoices):
        MANUAL = "manual", _("on demand")
        PROFILE_CHANGED = "profile_changed", _("profile changed")
        SETTINGS_CHANGED = "settings_changed", _("retrieval settings changed")

    evaluation_set = models.ForeignKey(EvaluationSet, on_delete=models.CASCADE, related_name="runs")
    profile = models.ForeignKey("chat.ModelProfile", null=True, on_delete=models.SET_NULL)
    profile_name = models.CharField(max_length=80)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, choices=Trigger.choices, default=Trigger.MANUAL)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    done = models.IntegerField(default=0)
    total = models.IntegerField(default=0)
    error = models.CharField(max_length=40, blank=True)  # a code, translated at display
    worker = models.CharField(max_length=200, blank=True)  # the worker running it: a stopped one fails the run
    results = models.JSONField(default=list, blank=True)
    # The retrieval settings the worker ran with (`webapp.review.runs.settings_in_use`).
    settings_used = models.JSONField(default=dict, blank=True)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class ProfileSwitch(models.Model):
    """The default model profile changed from the comparison view, and the run that was the evidence."""

    from_profile = models.CharField(max_length=80, blank=True)
    to_profile = models.ForeignKey("chat.ModelProfile", null=True, on_delete=models.SET_NULL, related_name="+")
    to_profile_name = models.CharField(max_length=80)
    run = models.ForeignKey(SetRun, null=True, on_delete=models.SET_NULL)
    switched_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    switched_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-switched_at", "-id"]
