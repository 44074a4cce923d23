"""Downloading a GGUF for the model catalogue (webapp.catalogue), in the worker: it may take an hour.

The file grows as `NAME.part` next to its final place and is renamed only once it is whole, is a GGUF and matches
the expected SHA-256, so llama.cpp never opens half a model. A connection that drops mid-way is continued with an
HTTP Range request from the size of the .part (here, up to MODEL_DOWNLOAD_ATTEMPTS times; after that the admin's
"retry or resume" action continues it again). Failures are codes with parameters (webapp/catalogue/errors.py words
them): the .part is kept when resuming can help (network, disk) and removed when it cannot (checksum, not a GGUF).
Plain httpx: nothing here loads a model.
"""

import hashlib
import logging
import os
import re
import shutil
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.db import transaction

from webapp.catalogue.models import ModelDownload
from webapp.chat.models import ModelProfile

log = logging.getLogger(__name__)
GGUF_MAGIC = b"GGUF"
PROGRESS_EVERY_S = 1.0
State = ModelDownload.State


class Failed(Exception):
    """A download that cannot go on: `code` and `params` for the admin, `keep_part` when resuming can help."""

    def __init__(self, code: str, keep_part: bool = True, **params):
        super().__init__(code, params)
        self.code, self.params, self.keep_part = code, params, keep_part


def download_run(download_id: int) -> None:
    """The task's body: claims a queued download, fetches, verifies and publishes it, or records why not."""
    if not ModelDownload.objects.filter(pk=download_id, state=State.QUEUED).update(state=State.DOWNLOADING):
        return  # already taken by another delivery of the task, or no longer queued
    download = ModelDownload.objects.get(pk=download_id)
    target = Path(settings.MODELS_DIR) / download.filename
    part = target.with_name(target.name + ".part")
    try:
        if target.exists():
            raise Failed("file_exists", path=str(target))
        target.parent.mkdir(parents=True, exist_ok=True)
        _fetch(download, part)
        _set(download, state=State.VERIFYING)
        _verify(download, part)
        os.replace(part, target)
        with transaction.atomic():
            profile = None
            if download.profile_name:
                profile, _created = ModelProfile.objects.get_or_create(name=download.profile_name,
                                                                      defaults={"model_path": str(target)})
            _set(download, state=State.READY, path=str(target), profile=profile, error_code="", error_params={})
        log.info("model download %s ready: %s", download.pk, target)
    except Failed as failure:
        if not failure.keep_part:
            part.unlink(missing_ok=True)
        log.warning("model download %s failed: %s %s", download.pk, failure.code, failure.params)
        _set(download, state=State.FAILED, error_code=failure.code, error_params=failure.params)
    except Exception as exc:
        log.exception("model download %s failed", download.pk)
        _set(download, state=State.FAILED, error_code="unexpected", error_params={"detail": f"{type(exc).__name__}: {exc}"})


def _set(download: ModelDownload, **fields) -> None:
    for name, value in fields.items():
        setattr(download, name, value)
    download.save(update_fields=[*fields, "updated_at"])


def _fetch(download: ModelDownload, part: Path) -> None:
    """Into `part`, continuing what is there; retries a dropped connection from where it stopped."""
    attempts = settings.MODEL_DOWNLOAD_ATTEMPTS
    for attempt in range(1, attempts + 1):
        try:
            if _fetch_once(download, part):
                return
        except httpx.TransportError as exc:
            if attempt == attempts:
                code = "unreachable" if isinstance(exc, httpx.ConnectError) else "interrupted"
                raise Failed(code, detail=str(exc) or type(exc).__name__, attempts=attempts) from exc
            log.info("model download %s dropped at %s bytes (%s); resuming", download.pk, _size(part), exc)
            time.sleep(min(2 ** attempt, 30) * settings.MODEL_DOWNLOAD_BACKOFF)


def _fetch_once(download: ModelDownload, part: Path) -> bool:
    """One HTTP request; True when the whole body arrived. The server may ignore Range: then it starts over."""
    offset = _size(part)
    # Identity: byte offsets in the file are byte offsets on the wire, so Range continues the .part exactly.
    headers = {"Accept-Encoding": "identity"} | ({"Range": f"bytes={offset}-"} if offset else {})
    if settings.HF_TOKEN and download.url.startswith(settings.HF_ENDPOINT.rstrip("/") + "/"):
        headers["Authorization"] = f"Bearer {settings.HF_TOKEN}"
    timeout = httpx.Timeout(30.0, read=settings.MODEL_DOWNLOAD_READ_TIMEOUT_S)
    with httpx.stream("GET", download.url, headers=headers, follow_redirects=True, timeout=timeout) as response:
        if response.status_code == 416 and offset and offset == download.bytes_total:
            return True  # the .part already holds everything
        if response.status_code == 416 and offset:
            part.unlink()  # the .part is longer than the file now served: start over
            return _fetch_once(download, part)
        if response.status_code >= 400:
            raise Failed("http_status", status=response.status_code, url=download.url)
        resuming = offset and response.status_code == 206
        if offset and not resuming:
            offset = 0  # a 200 to a Range request: the whole file again
        elif resuming and _range_start(response) != offset:
            raise Failed("bad_range", keep_part=False, asked=offset, got=response.headers.get("content-range", ""))
        total = _total(response, offset)
        _disk_check(part.parent, total - offset if total else None)
        if resuming:
            download.resumed += 1
        _set(download, bytes_done=offset, bytes_total=total, resumed=download.resumed, state=State.DOWNLOADING)
        _write(download, response, part, offset)
    return True


def _write(download: ModelDownload, response: httpx.Response, part: Path, offset: int) -> None:
    last = time.monotonic()
    with part.open("ab" if offset else "wb") as out:
        for chunk in response.iter_raw():  # as it arrives: a buffered chunk would be lost when the connection drops
            if out.tell() == 0 and len(chunk) >= 4 and not chunk.startswith(GGUF_MAGIC):
                raise Failed("not_gguf", keep_part=False, start=chunk[:16].decode("latin-1"))
            out.write(chunk)
            if time.monotonic() - last >= PROGRESS_EVERY_S:
                out.flush()
                _set(download, bytes_done=out.tell())
                last = time.monotonic()
        out.flush()
        _set(download, bytes_done=out.tell())


def _verify(download: ModelDownload, part: Path) -> None:
    """Whole, a GGUF, and the expected SHA-256 (when the admin gave one)."""
    size = _size(part)
    if download.bytes_total and size != download.bytes_total:
        raise Failed("incomplete", keep_part=False, size=size, expected=download.bytes_total)
    with part.open("rb") as file:
        if file.read(4) != GGUF_MAGIC:
            raise Failed("not_gguf", keep_part=False, start="")
        if download.sha256:
            file.seek(0)
            digest = hashlib.file_digest(file, "sha256").hexdigest()
            if digest != download.sha256.lower():
                raise Failed("checksum_mismatch", keep_part=False, expected=download.sha256.lower(), actual=digest)


def _disk_check(folder: Path, needed: int | None) -> None:
    """Refuse before writing when the rest of the file and MODEL_DOWNLOAD_MIN_FREE_MB do not fit."""
    free = shutil.disk_usage(folder).free
    margin = settings.MODEL_DOWNLOAD_MIN_FREE_MB * 1024 * 1024
    if free < (needed or 0) + margin:
        raise Failed("not_enough_disk", need_mb=round(((needed or 0) + margin) / 2**20), free_mb=round(free / 2**20),
                     folder=str(folder))


def _range_start(response: httpx.Response) -> int | None:
    found = re.match(r"bytes (\d+)-", response.headers.get("content-range", ""))
    return int(found.group(1)) if found else None


def _total(response: httpx.Response, offset: int) -> int | None:
    found = re.match(r"bytes \d+-\d+/(\d+)", response.headers.get("content-range", ""))
    if found:
        return int(found.group(1))
    length = response.headers.get("content-length")
    return int(length) + (offset if response.status_code == 206 else 0) if length and length.isdigit() else None


def _size(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0
