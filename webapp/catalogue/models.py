"""Model files the admin adds from a URL, a Hugging Face repo/file or a local path; each ready one is a profile.

The worker downloads (retrieval/model_download.py); the row carries the state and the progress the admin list shows,
and a failure as a code with parameters, put into words in the reader's language by `webapp.catalogue.errors`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelDownload(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        DOWNLOADING = "downloading", _("downloading")
        VERIFYING = "verifying", _("verifying")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    source = models.CharField(_("source"), max_length=1000,
                              help_text=_("what the admin typed: a URL, a Hugging Face repo/file or a local path"))
    url = models.URLField(_("download URL"), max_length=1000, blank=True, help_text=_("empty for a local file"))
    filename = models.CharField(_("file name"), max_length=255, help_text=_("in MODELS_DIR"))
    path = models.CharField(_("file path"), max_length=1000, blank=True, help_text=_("set when the file is there"))
    sha256 = models.CharField(_("expected SHA-256"), max_length=64, blank=True)
    profile_name = models.CharField(_("profile name"), max_length=80, blank=True,
                                    help_text=_("the model profile created when the file is ready; empty: none"))
    profile = models.ForeignKey("chat.ModelProfile", null=True, blank=True, on_delete=models.SET_NULL,
                                verbose_name=_("model profile"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.QUEUED)
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    bytes_done = models.BigIntegerField(_("bytes done"), default=0)
    bytes_total = models.BigIntegerField(_("bytes total"), null=True, blank=True)
    resumed = models.IntegerField(_("resumed"), default=0, help_text=_("times it continued a partial file"))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("model download")
        verbose_name_plural = _("model catalogue")

    def __str__(self) -> str:
        return self.filename
