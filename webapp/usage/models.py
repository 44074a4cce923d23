"""What each answer used, the quotas groups override, and what a model profile costs.

`AnswerUsage` is written when a question is asked (it carries the surface to the worker and counts towards the
quotas at once) and completed by the worker with the tokens and model time. It outlives its message: deleting a
conversation does not give quota back, and monthly figures stay right. Erasing a person clears `user`.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class AnswerUsage(models.Model):
    message = models.OneToOneField("chat.Message", null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="accounting")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="answer_usage")
    surface = models.CharField(max_length=12, default="api")
    profile = models.ForeignKey("chat.ModelProfile", null=True, blank=True, on_delete=models.SET_NULL)
    profile_name = models.CharField(max_length=80, blank=True)
    collections = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    prompt_tokens = models.IntegerField(default=0)
    completion_tokens = models.IntegerField(default=0)
    model_seconds = models.FloatField(default=0.0, help_text=_("seconds the worker spent on the answer"))

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("answer usage")
        verbose_name_plural = _("answer usage")

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class GroupQuota(models.Model):
    """Overrides of the default limits (settings QUOTA_*) for one group. Empty = the default; 0 = no limit.

    `member_*`: what each member may use (a member of several groups gets the most generous); `group_*`: what the
    members use together."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="quota")
    member_questions_per_minute = models.PositiveIntegerField(null=True, blank=True)
    member_questions_per_day = models.PositiveIntegerField(null=True, blank=True)
    member_tokens_per_minute = models.PositiveIntegerField(null=True, blank=True)
    member_tokens_per_day = models.PositiveIntegerField(null=True, blank=True)
    group_questions_per_minute = models.PositiveIntegerField(null=True, blank=True)
    group_questions_per_day = models.PositiveIntegerField(null=True, blank=True)
    group_tokens_per_minute = models.PositiveIntegerField(null=True, blank=True)
    group_tokens_per_day = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("group quota")
        verbose_name_plural = _("group quotas")

    def __str__(self) -> str:
        return str(self.group)


class ProfilePrice(models.Model):
    class Currency(models.TextChoices):
        BRL = "BRL", "BRL"
        USD = "USD", "USD"

    profile = models.OneToOneField("chat.ModelProfile", on_delete=models.CASCADE, related_name="price")
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.BRL)
    prompt_per_million = models.DecimalField(_("price per million prompt tokens"), max_digits=12, decimal_places=4, default=0)
    completion_per_million = models.DecimalField(_("price per million completion tokens"), max_digits=12,
                                                 decimal_places=4, default=0)

    class Meta:
        verbose_name = _("model profile price")
        verbose_name_plural = _("model profile prices")

    def __str__(self) -> str:
        return f"{self.profile}: {self.currency}"


class QuotaLock(models.Model):
    """One row (pk=1) that question_ask updates first, when limits apply, so that checking the quota and writing the
    question's usage row happen one question at a time (SQLite's write lock, PostgreSQL's row lock)."""

    taken = models.BigIntegerField(default=0)
