"""The model catalogue in the admin: add a GGUF (URL, Hugging Face repo/file or local file), follow its download,
retry or resume it; a short list of models that suit CPU-only machines sits above the list."""

from urllib.parse import urlsplit

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from webapp.access.admin_scope import SuperusersOnly
from webapp.catalogue import services
from webapp.catalogue.errors import error_text
from webapp.catalogue.models import ModelDownload
from webapp.catalogue.recommended import RECOMMENDED


class ModelAddForm(forms.ModelForm):
    filename = forms.CharField(label=_("file name"), required=False,
                               help_text=_("in MODELS_DIR; empty: the name at the end of the URL"))
    server = forms.BooleanField(label=_("OpenAI-compatible server"), required=False,
                                help_text=_("the source is a server's address (llama-server, vLLM), as LLM_URL: "
                                            "the profile answers through it, nothing is downloaded"))

    class Meta:
        model = ModelDownload
        fields = ["source", "server", "filename", "sha256", "profile_name"]
        help_texts = {
            "source": _("https://…/model.gguf, a Hugging Face “owner/repo/file.gguf” (downloaded from HF_ENDPOINT), "
                        "or the absolute path of a .gguf already on the server"),
            "sha256": _("optional; the download fails, and is removed, if the file's SHA-256 differs"),
        }

    def clean_sha256(self):
        value = self.cleaned_data["sha256"].strip().lower()
        if value and not services.SHA256.match(value):
            raise ValidationError(_("A SHA-256 is 64 hexadecimal characters."))
        return value

    def clean_profile_name(self):
        return services.profile_name_check(self.cleaned_data["profile_name"].strip())

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if data.get("server"):
            services.server_check(data["source"].strip())
            self.instance.path, self.instance.url = data["source"].strip(), ""
            self.instance.filename = urlsplit(self.instance.path).netloc
            return data
        parsed = services.source_parse(data.get("source", ""))
        if "path" in parsed:
            services.local_check(parsed["path"])
            self.instance.path, self.instance.url = parsed["path"], ""
            self.instance.filename = parsed["path"].rsplit("/", 1)[-1]
        else:
            self.instance.url = parsed["url"]
            self.instance.filename = services.filename_check(data.get("filename") or parsed["filename"])
        return data


@admin.register(ModelDownload)
class ModelDownloadAdmin(SuperusersOnly, admin.ModelAdmin):
    form = ModelAddForm
    list_display = ["filename", "state", "progress", "problem", "profile", "updated_at"]
    list_filter = ["state"]
    actions = ["resume"]
    readonly = ["source", "url", "filename", "path", "sha256", "profile_name", "profile", "state", "progress",
                "problem", "resumed", "created_at", "updated_at"]

    def get_fields(self, request, obj=None):
        return self.readonly if obj else ["source", "server", "filename", "sha256", "profile_name"]

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj else []

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            services.download_start(obj)

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, extra_context={"recommended": RECOMMENDED, **(extra_context or {})})

    @admin.display(description=_("progress"))
    def progress(self, download: ModelDownload) -> str:
        done = number_format(download.bytes_done / 2**20, 1)
        if not download.bytes_total:
            return gettext("%(done)s MB") % {"done": done} if download.bytes_done else "—"
        return gettext("%(percent)s%% (%(done)s of %(total)s MB)") % {
            "percent": int(100 * download.bytes_done / download.bytes_total), "done": done,
            "total": number_format(download.bytes_total / 2**20, 1)}

    @admin.display(description=_("problem"))
    def problem(self, download: ModelDownload) -> str:
        return error_text(download.error_code, download.error_params) if download.error_code else ""

    @admin.action(description=_("Retry or resume the selected downloads"))
    def resume(self, request, queryset):
        resumed = sum(services.download_resume(download) for download in queryset)
        messages.info(request, ngettext("%(count)d download queued again.", "%(count)d downloads queued again.",
                                        resumed) % {"count": resumed})
        if resumed < queryset.count():
            messages.warning(request, gettext("Only failed or stalled downloads can be resumed; the others were left "
                                              "as they are."))
