"""Adding a model to the catalogue: what the admin typed becomes a download the worker runs, or a local file
becomes a profile at once; and resuming a download that failed or whose worker died."""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from webapp.catalogue.models import ModelDownload
from webapp.celery import app as celery_app
from webapp.chat.models import ModelProfile

HF_FILE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)/(?P<file>[\w./-]+\.gguf)$")
SHA256 = re.compile(r"^[0-9a-fA-F]{64}$")
# A `downloading` row not updated for this long lost its worker (it writes progress every second).
STALE = timedelta(minutes=5)


def source_parse(source: str) -> dict:
    """{"url", "filename"} for a URL or a Hugging Face `owner/repo/file.gguf`; {"path"} for a local file."""
    source = source.strip()
    if source.startswith(("/", "~")):
        return {"path": str(Path(source).expanduser())}
    if source.startswith(("http://", "https://")):
        url = source
        filename = unquote(urlsplit(source).path.rsplit("/", 1)[-1])
    elif found := HF_FILE.match(source):
        url = f"{settings.HF_ENDPOINT.rstrip('/')}/{found['repo']}/resolve/main/{found['file']}"
        filename = found["file"].rsplit("/", 1)[-1]
    else:
        raise ValidationError(_("Give an http(s) URL of a .gguf file, a Hugging Face “owner/repo/file.gguf”, "
                                "or the absolute path of a .gguf file on the server."))
    return {"url": url, "filename": filename}


def filename_check(filename: str) -> str:
    if not filename.endswith(".gguf") or "/" in filename or "\\" in filename or filename.startswith("."):
        raise ValidationError(_("The file name must be a plain name ending in .gguf (“%(name)s” is not).")
                              % {"name": filename})
    if (Path(settings.MODELS_DIR) / filename).exists():
        raise ValidationError(_("%(path)s already exists: choose another file name.")
                              % {"path": Path(settings.MODELS_DIR) / filename})
    active = ModelDownload.objects.exclude(state__in=[ModelDownload.State.READY, ModelDownload.State.FAILED])
    if active.filter(filename=filename).exists():
        raise ValidationError(_("%(name)s is already being downloaded.") % {"name": filename})
    return filename


def local_check(path: str) -> None:
    file = Path(path)
    if not file.is_file():
        raise ValidationError(_("There is no file at %(path)s on the server's machine.") % {"path": path})
    with file.open("rb") as handle:
        if handle.read(4) != b"GGUF":
            raise ValidationError(_("%(path)s is not a GGUF model file (it does not start with “GGUF”).")
                                  % {"path": path})


def server_check(url: str) -> None:
    """An OpenAI-compatible server answers `GET /v1/models` (llama-server, vLLM, llama_cpp.server)."""
    import httpx

    if not url.startswith(("http://", "https://")):
        raise ValidationError(_("A server is given by its http(s) address, as LLM_URL."))
    try:
        httpx.get(f"{url.rstrip('/')}/v1/models", timeout=5).raise_for_status()
    except httpx.HTTPError as exc:
        raise ValidationError(_("No OpenAI-compatible server answers at %(url)s (%(detail)s).")
                              % {"url": url, "detail": exc}) from exc


def profile_name_check(name: str) -> str:
    if name and ModelProfile.objects.filter(name=name).exists():
        raise ValidationError(_("A model profile named “%(name)s” already exists.") % {"name": name})
    return name


def download_start(download: ModelDownload) -> None:
    """After the row is saved: a local file or a server is ready now (and gets its profile); a URL goes to the
    worker. A profile's `model_path` is the file's path, or the server's URL (retrieval.llm.load_llm)."""
    if not download.url:
        with transaction.atomic():
            if download.profile_name:
                download.profile, _created = ModelProfile.objects.get_or_create(
                    name=download.profile_name, defaults={"model_path": download.path})
            download.state = ModelDownload.State.READY
            download.save()
        return
    transaction.on_commit(lambda pk=download.pk: celery_app.send_task("webapp.catalogue.tasks.model_download",
                                                                      args=[pk]))


def download_resume(download: ModelDownload) -> bool:
    """Queue a failed (or stalled) download again; the worker continues its .part. False when it is not stuck."""
    stalled = (download.state in (ModelDownload.State.DOWNLOADING, ModelDownload.State.VERIFYING)
               and download.updated_at < timezone.now() - STALE)
    if not download.url or not (download.state == ModelDownload.State.FAILED or stalled):
        return False
    download.state, download.error_code, download.error_params = ModelDownload.State.QUEUED, "", {}
    download.save(update_fields=["state", "error_code", "error_params", "updated_at"])
    download_start(download)
    return True
