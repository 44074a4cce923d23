"""`manage.py ingest PATH… --collection NAME [--wait] [--json]`: upload files and folders for the worker to index.

Exit codes: 0 every file was queued (or, with --wait, ended: indexed or failed); 1 usage error;
2 no worker is running (or Redis is unreachable), nothing uploaded; 3 --timeout passed before all ended.
"""

import json
import time
from pathlib import Path

import redis
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from retrieval.contracts import events
from webapp import errors
from webapp.access import decide
from webapp.documents import services
from webapp.documents.models import Document
from webapp.errors import AppError

NO_WORKER = ("No worker is running, so nothing would be indexed: start one with `make run` (or `celery -A webapp "
             "worker -Q answer,ingest --pool threads`) and run this again. Nothing was uploaded.")
NO_FILES = "No files found in {paths} (hidden files inside folders are skipped)."
NOT_FOUND = "No such file or folder: {path}"
NO_USER = "No superuser to upload as: create one with `python manage.py ensure_admin`, or pass --user."
ENDED = (Document.Status.INDEXED, Document.Status.FAILED)
POLL_S = 0.5


class Command(BaseCommand):
    help = "Upload files (folders are walked recursively) into a collection and queue them for indexing."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--collection", required=True, help="name (or id); created if missing")
        parser.add_argument("--wait", action="store_true", help="print each file's outcome when it ends")
        parser.add_argument("--json", action="store_true", dest="as_json", help="one JSON object per file")
        parser.add_argument("--user", help="user to upload as, an editor of the collection (default: the first superuser)")
        parser.add_argument("--timeout", type=float, help="with --wait: give up after this many seconds")

    def handle(self, paths, collection, wait, as_json, user, timeout, **options):
        self.as_json = as_json
        files = collect_files([Path(p) for p in paths])
        uploader = _uploader(user)
        _require_worker()
        try:
            target = services.collection_for_upload(user=uploader, name_or_id=collection)
        except AppError as exc:
            raise CommandError(exc.message) from exc
        pending: dict[int, list[tuple[Path, bool]]] = {}  # document id -> every input path that became it
        for path in files:
            for document_id, waiting in self._upload(path, uploader, target, wait).items():
                pending.setdefault(document_id, []).extend(waiting)
        if wait and not self._wait(pending, timeout):
            left = sum(map(len, pending.values()))
            raise CommandError(f"{left} file(s) not ended after {timeout} s", returncode=3)

    def _upload(self, path: Path, uploader, target, wait: bool) -> dict:
        try:
            with path.open("rb") as handle:
                document, created = services.document_upload(user=uploader, file=File(handle, name=path.name),
                                                             collection=target)
        except AppError as exc:
            self._report(path, None, Document.Status.FAILED, error=exc.message, error_code=exc.code)
            return {}
        if wait and document.status not in ENDED:
            return {document.pk: [(path, not created)]}
        self._report(path, document, document.status, duplicate=not created)
        return {}

    def _wait(self, pending: dict, timeout: float | None) -> bool:
        """Report each path of `pending` once its document ends; two files of one batch with the same content are
        one document, and each still gets its own line."""
        deadline = time.monotonic() + timeout if timeout else None
        while pending:
            if deadline and time.monotonic() > deadline:
                return False
            time.sleep(POLL_S)
            ended = Document.objects.filter(pk__in=list(pending), status__in=ENDED)
            gone = set(pending) - set(Document.objects.filter(pk__in=list(pending)).values_list("pk", flat=True))
            for document in ended:
                for path, duplicate in pending.pop(document.pk):
                    self._report(path, document, document.status, duplicate=duplicate)
            for document_id in gone:
                for path, duplicate in pending.pop(document_id):
                    self._report(path, None, "deleted", error="deleted while being indexed", error_code="deleted",
                                 duplicate=duplicate)
        return True

    def _report(self, path: Path, document, status: str, *, error: str = "", error_code: str = "",
                duplicate: bool = False) -> None:
        row = {
            "path": str(path),
            "id": document.pk if document else None,
            "status": str(status),
            "pages": document.page_count if document else None,
            "chunks": document.chunk_count if document else 0,
            "error": error or (document.error if document else ""),  # the English detail: a console reads it
            "error_code": error_code or (document.error_code if document else ""),
            "duplicate": duplicate,
        }
        if self.as_json:
            self.stdout.write(json.dumps(row, ensure_ascii=False))
            return
        line = f"{row['status']:<8} {row['path']}  id={row['id']} pages={row['pages']} chunks={row['chunks']}"
        line += "  (already in the collection)" if duplicate else ""
        self.stdout.write(line + (f"  error: {row['error']}" if row["error"] else ""))


def collect_files(paths: list[Path]) -> list[Path]:
    """The files named, and every non-hidden file under the folders named, in a stable order."""
    found = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and not _hidden(p.relative_to(path))))
        else:
            raise CommandError(NOT_FOUND.format(path=path))
    if not found:
        raise CommandError(NO_FILES.format(paths=", ".join(map(str, paths))))
    return found


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _uploader(username: str | None):
    users = get_user_model().objects.filter(is_active=True)
    user = users.filter(username=username).first() if username else users.filter(is_superuser=True).order_by("pk").first()
    if user is None:
        raise CommandError(f"No active user {username!r}." if username else NO_USER)
    if not decide.may_upload(user):
        raise CommandError(errors.NOT_ALLOWED_TO_UPLOAD)
    return user


def _require_worker() -> None:
    try:
        workers = events.live_workers()
    except redis.RedisError as exc:
        raise CommandError(errors.REDIS_DOWN, returncode=2) from exc
    if not workers:
        raise CommandError(NO_WORKER, returncode=2)
