"""Words for the codes a sync writes (`SyncRun.error_code`, `SyncEntry.code`), in the reader's language.

The worker stores codes and parameters only; a code missing here is shown as it is, with its parameters.
"""

from django.utils.translation import gettext_lazy as _

from webapp.wording import fill

TEXTS = {
    # why a whole sync, or saving a source, was refused
    "path_not_absolute": _("The folder must be an absolute path (it starts with /): %(path)s"),
    "folders_off": _("No folder may be watched: set SYNC_ALLOWED_ROOTS to the folders that may be."),
    "path_not_allowed": _("%(path)s is not under a folder that may be watched (SYNC_ALLOWED_ROOTS: %(roots)s)."),
    "folder_missing": _("The folder %(path)s does not exist or cannot be read (is the share mounted?)."),
    "url_invalid": _("Not a web address (http:// or https://): %(url)s"),
    "sites_off": _("Website import is off: set CRAWL_ALLOWED_HOSTS to the hosts that may be read."),
    "host_not_allowed": _("The host %(host)s is not in CRAWL_ALLOWED_HOSTS."),
    "site_unreachable": _("The site could not be read at %(url)s (%(error)s); nothing was removed."),
    "worker_stopped": _("The worker stopped during this sync; the next sync takes up where it left off."),
    "internal_error": _("The sync stopped on an internal error (%(error)s); the worker's log has the details."),
    # why one file or page failed
    "unsupported_media_type": _("Not a format Acervo reads (%(kind)s)."),
    "file_too_large": _("Larger than the upload limit of %(max_mb)s MB (MAX_UPLOAD_MB)."),
    "empty_file": _("The file is empty."),
    "duplicate": _("Another document of this collection already has this content: %(title)s."),
    "redis_unavailable": _("The message broker (Redis) was not reachable; tried again at the next sync."),
    "outside_folder": _("A symbolic link pointing outside the watched folder: skipped."),
    "file_changing": _("The file changed while it was being read; it is taken at the next sync."),
    "database_busy": _("The database was busy (%(error)s); tried again at the next sync."),
    "file_vanished": _("The file disappeared while it was being read."),
    "page_unreachable": _("The page could not be fetched (%(error)s); its document stays until the next sync."),
    "page_status": _("The server answered HTTP %(status)s; the page's document stays until the next sync."),
    "page_too_large": _("The page is larger than %(max_kb)s KB (CRAWL_MAX_PAGE_KB)."),
    "too_many_redirects": _("Too many redirects (last: %(url)s)."),
    "off_site": _("Redirected outside the site (%(target)s): skipped."),
    "not_html": _("Not a web page (%(content_type)s): skipped."),
    # notes on a success
    "same_content": _("Same content as “%(title)s”, already in the collection: linked to it."),
}


def describe(code: str, params: dict | None) -> str:
    """The code's sentence with its parameters filled in ("" for no code)."""
    if not code:
        return ""
    as_stored = f"{code} {dict(params or {})}" if params else code
    text = TEXTS.get(code)
    return as_stored if text is None else fill(text, params, otherwise=as_stored)
