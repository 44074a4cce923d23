"""`manifest.json`: what a backup or a collection export holds, and the sha256 of every file in it.

Written last, so a folder without one is an interrupted backup; verified first, so a damaged or tampered file stops
a restore before anything is written.
"""

import hashlib
import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

NAME = "manifest.json"
FORMAT = 1
APP_VERSION = "0.14"  # used when the code is not a git checkout

ERR_NO_MANIFEST = "{folder} holds no manifest.json: not a backup, or one that was interrupted"
ERR_FORMAT = "manifest format {found} is not one this version reads ({expected})"
ERR_MISSING = "the backup is damaged: {name} is missing; nothing was restored"
ERR_CHECKSUM = "the backup is damaged: {name} does not match its checksum (expected {expected}, found {found}); nothing was restored"
ERR_UNLISTED = "the backup holds files its manifest does not list ({names}); nothing was restored"
ERR_MODEL = ("the backup's vectors were made by {held} ({dim} dimensions) but EMBEDDING_MODEL is {configured}: "
             "set EMBEDDING_MODEL={held} to restore them as they are, or pass --reindex to embed every document "
             "again with {configured}")


def app_version() -> str:
    try:
        done = subprocess.run(["git", "describe", "--always", "--dirty", "--tags"], cwd=settings.BASE_DIR,
                              capture_output=True, text=True, timeout=5)
    except OSError:
        return APP_VERSION
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else APP_VERSION


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_write(folder: Path, facts: dict) -> dict:
    """Checksum every file under `folder` and write the manifest with `facts`; returns the manifest."""
    files = {p.relative_to(folder).as_posix(): sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    manifest = {"format": FORMAT, "app_version": app_version(),
                "created_at": datetime.now(UTC).isoformat(timespec="seconds"), **facts, "files": files}
    (folder / NAME).write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return manifest


def manifest_verify(folder: Path) -> dict:
    """The manifest, once every file it lists matches its checksum. Raises ValueError saying what is wrong."""
    path = folder / NAME
    if not path.is_file():
        raise ValueError(ERR_NO_MANIFEST.format(folder=folder))
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise ValueError(ERR_FORMAT.format(found=manifest.get("format"), expected=FORMAT))
    for name, expected in manifest["files"].items():
        file = folder / name
        if not file.is_file():
            raise ValueError(ERR_MISSING.format(name=name))
        if (found := sha256(file)) != expected:
            raise ValueError(ERR_CHECKSUM.format(name=name, expected=expected[:12], found=found[:12]))
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {NAME}
    if unlisted := sorted(present - set(manifest["files"])):
        raise ValueError(ERR_UNLISTED.format(names=", ".join(unlisted[:5])))
    return manifest


def model_check(manifest: dict) -> None:
    """Raises ValueError if the configured embedding model is not the one that made the backup's vectors."""
    held = manifest["embedding"]
    if held["model"] != settings.EMBEDDING_MODEL:
        raise ValueError(ERR_MODEL.format(held=held["model"], dim=held["dim"], configured=settings.EMBEDDING_MODEL))
