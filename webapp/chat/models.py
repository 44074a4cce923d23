"""Conversations, answers, their citations and feedback, and the model profiles admins choose."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from retrieval.types import GenerationParams

DEFAULTS = GenerationParams()  # a profile's parameters start from the one definition of them


class ModelProfile(models.Model):
    """A model and its generation defaults. Exactly one profile should be the default."""

    name = models.CharField(_("name"), max_length=80, unique=True)
    is_default = models.BooleanField(_("default"), default=False)
    model_path = models.CharField(
        _("model path"), max_length=500, blank=True, help_text=_("GGUF path; empty = LLM_MODEL_PATH or the bundled Gemma 3 270M")
    )
    context_size = models.IntegerField(_("context size"), default=4096)
    threads = models.IntegerField(default=0, help_text=_("0 = llama.cpp's default: half the cores to generate; the prompt is read with all of them"))
    gpu_layers = models.IntegerField(default=0)
    system_prompt = models.TextField(blank=True, help_text=_("Extra instructions added to the built-in ones"))
    # Greedy: on the shared sets Gemma 3 270M held the gold answer in 48% of its answers at 0, 30% at 0.2.
    temperature = models.FloatField(_("temperature"), default=DEFAULTS.temperature)
    top_p = models.FloatField(default=DEFAULTS.top_p)
    top_k = models.IntegerField(default=DEFAULTS.top_k)
    min_p = models.FloatField(default=DEFAULTS.min_p)
    max_tokens = models.IntegerField(_("max tokens"), default=DEFAULTS.max_tokens)
    stop = models.JSONField(default=list, blank=True)
    frequency_penalty = models.FloatField(default=DEFAULTS.frequency_penalty)
    presence_penalty = models.FloatField(default=DEFAULTS.presence_penalty)
    repeat_penalty = models.FloatField(default=DEFAULTS.repeat_penalty)
    timeout_s = models.FloatField(default=DEFAULTS.timeout)
    answerability_threshold = models.FloatField(
        _("answerability threshold"), null=True, blank=True,
        help_text=_("Refuse below this answerability (0-1); empty = the threshold calibrated for the embedding model. "
                    "Higher refuses more unanswerable questions and more answerable ones: see the evaluation page."),
    )
    limits = models.JSONField(
        default=dict, blank=True,
        help_text=_('Ranges callers may choose within, e.g. {"max_tokens": [1, 512], "temperature": [0, 1]}'),
    )

    class Meta:
        verbose_name = _("model profile")
        verbose_name_plural = _("model profiles")

    def __str__(self) -> str:
        return self.name


class Conversation(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")

    def __str__(self) -> str:
        return self.title or f"#{self.pk}"


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", _("user")
        ASSISTANT = "assistant", _("assistant")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        ERROR = "error", _("error")
        CANCELLED = "cancelled", _("cancelled")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=12, choices=Role.choices)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DONE)
    error = models.TextField(blank=True)
    # What retrieval searched for: the question itself, or its standalone rewrite for a follow-up.
    search_query = models.TextField(blank=True)
    collections = models.JSONField(default=list, blank=True, help_text=_("ids of the collections searched"))
    profile = models.ForeignKey(ModelProfile, null=True, blank=True, on_delete=models.SET_NULL)
    params = models.JSONField(default=dict, blank=True, help_text=_("the exact generation parameters used"))
    usage = models.JSONField(default=dict, blank=True, help_text=_("token counts and timings"))
    finish_reason = models.CharField(max_length=20, blank=True)
    support = models.FloatField(null=True, blank=True, help_text=_("support check: how well the citations back the answer"))
    # retrieval.outcome: what the answer turned out to be and why (codes with parameters, translated at display).
    outcome = models.CharField(max_length=12, blank=True, choices=[
        ("answered", _("answered")), ("refused", _("not in the documents")), ("unconfirmed", _("not confirmed")),
    ])
    reasons = models.JSONField(default=list, blank=True, help_text=_("why it was refused or not confirmed: codes"))
    answerability = models.FloatField(
        null=True, blank=True, help_text=_("how likely the passages found answer the question (0-1), before the model")
    )
    quote = models.JSONField(
        default=dict, blank=True, help_text=_("the verbatim sentence(s) of a source that best answer the question")
    )
    # Regenerate keeps the answers it replaces (the page's ‹ 1/2 ›): each version points at the first answer to that
    # question (`first_version`, empty on the first itself), and every version but the newest is `superseded`. A
    # superseded answer is in no conversation history or list: read a conversation through `Message.current`.
    first_version = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="later_versions", verbose_name=_("first version"))
    superseded = models.BooleanField(_("superseded"), default=False,
                                     help_text=_("an earlier version of a regenerated answer"))
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    @classmethod
    def current(cls):
        """Messages as the conversation reads now: without the earlier versions of regenerated answers."""
        return cls.objects.filter(superseded=False)


class Citation(models.Model):
    """A snapshot of the cited passage, so old answers keep their sources after documents change."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="citations")
    n = models.IntegerField()
    chunk = models.ForeignKey("documents.Chunk", null=True, on_delete=models.SET_NULL)
    document = models.ForeignKey("documents.Document", null=True, on_delete=models.SET_NULL)
    title = models.CharField(max_length=300)
    text = models.TextField()
    page = models.IntegerField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    heading_path = models.CharField(max_length=1000, blank=True)
    char_start = models.IntegerField(default=0)
    char_end = models.IntegerField(default=0)
    score = models.FloatField(default=0.0)
    cited = models.BooleanField(default=False, help_text=_("the answer refers to it with [n]"))
    # The support check: how well the sentences citing [n] are backed by this passage.
    support = models.FloatField(null=True, blank=True)
    weak = models.BooleanField(default=False)
    weak_reason = models.CharField(max_length=300, blank=True)  # in English, for the admin and old rows
    # What the web says, in the reader's language (`webapp.chat.rendering.weak_reason_for`): the check's code
    # (number_missing, name_missing, few_words, low_similarity) and its parameters ({"numbers": [...]}, ...).
    weak_code = models.CharField(max_length=30, blank=True)
    weak_params = models.JSONField(default=dict, blank=True)
    attributed = models.BooleanField(
        default=False, help_text=_("the model did not cite it: Acervo matched an uncited sentence to this passage")
    )

    class Meta:
        ordering = ["message", "n"]
        verbose_name = _("citation")
        verbose_name_plural = _("citations")


class Feedback(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    thumbs_up = models.BooleanField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("feedback")
        verbose_name_plural = _("feedback")


class EvaluationRun(models.Model):
    """One `manage.py evaluate_answers` run: the profiles and data sets it measured and its report.

    report = {"profiles": [summary per profile, with "sets": {name: summary}], "curves": {profile: {language:
    [{"threshold", "off_topic_refused", "same_topic_refused", "false_refusal"}]}}, "thresholds": {profile: the
    answerability threshold in use}}; a summary has the keys of retrieval.answer_evaluation.summarize().
    """

    created_at = models.DateTimeField(auto_now_add=True)
    profiles = models.JSONField(default=list, blank=True, help_text=_("names of the model profiles evaluated"))
    datasets = models.JSONField(default=list, blank=True, help_text=_("the data sets asked"))
    report = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("evaluation run")
        verbose_name_plural = _("evaluation runs")

    def __str__(self) -> str:
        return f"#{self.pk} {', '.join(map(str, self.profiles))}"
