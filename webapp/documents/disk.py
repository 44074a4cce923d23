"""Write an upload's original only when the disk can hold it, so a full disk is a clear 507, never a 500 that
leaves a half-written file behind (Django's FileSystemStorage keeps what it wrote when a write fails).

Checked before writing (free space against the file's size plus a margin for the database and logs); a disk that
fills between the check and the write (another upload at the same moment) is caught too, and the part written is
removed.
"""

import errno
import logging
import shutil

from django.core.files.base import File

from webapp.errors import AppError

log = logging.getLogger(__name__)
STORAGE_FULL = "There is not enough free disk space to store this file ({size_mb:.1f} MB). Free some space on the server (or make DATA_DIR larger) and try again."
MARGIN_BYTES = 1024 * 1024  # left free for the database, the logs and the index
FULL = (errno.ENOSPC, errno.EDQUOT)


def save_original(field_file, name: str, file: File) -> None:
    """What `field_file.save(name, file, save=False)` does, or AppError("storage_full", 507) with nothing written."""
    storage = field_file.storage
    size = file.size or 0
    full = AppError("storage_full", STORAGE_FULL.format(size_mb=size / 1e6), status=507)
    target = storage.get_available_name(field_file.field.generate_filename(field_file.instance, name),
                                        max_length=field_file.field.max_length)
    try:
        folder = storage.path("")
    except NotImplementedError:  # a remote storage: it says itself when it is full
        folder = None
    if folder is not None and _free_bytes(folder) < size + MARGIN_BYTES:
        raise full
    try:
        field_file.name = storage.save(target, file, max_length=field_file.field.max_length)  # as FieldFile.save
        setattr(field_file.instance, field_file.field.attname, field_file.name)
        field_file._committed = True
    except OSError as exc:
        if exc.errno not in FULL:
            raise
        log.warning("disk full while storing %s: %s", target, exc)
        try:
            storage.delete(target)  # the part written; the name was free a moment before
        except OSError:
            log.exception("could not remove the half-written %s", target)
        raise full from None


def _free_bytes(folder: str) -> int:
    try:
        return shutil.disk_usage(folder).free
    except FileNotFoundError:  # MEDIA_ROOT not made yet: ask its parent
        from pathlib import Path

        return _free_bytes(str(Path(folder).parent))
