"""What a source may point at, checked by the web when a source is saved and by the worker before every sync
(the settings may have changed since): a folder under SYNC_ALLOWED_ROOTS, a site on a host CRAWL_ALLOWED_HOSTS
allows. Plain functions on settings and strings, so both processes import them for free.

A refusal is a `SourceRefused` carrying a code and its parameters (`webapp.sources.wording` words them).
"""

import os
from urllib.parse import urlsplit

from django.conf import settings


class SourceRefused(Exception):
    def __init__(self, code: str, **params):
        super().__init__(code)
        self.code = code
        self.params = params


def inside(path: str, root: str) -> bool:
    """`path` is `root` or below it (both already resolved: no symlink or `..` left)."""
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def folder_checked(location: str) -> str:
    """The folder's real path (symlinks resolved) if it lies under an allowed root and exists."""
    location = (location or "").strip()
    if not os.path.isabs(location):
        raise SourceRefused("path_not_absolute", path=location)
    real = os.path.realpath(location)
    roots = [os.path.realpath(root) for root in settings.SYNC_ALLOWED_ROOTS]
    if not roots:
        raise SourceRefused("folders_off")
    if not any(inside(real, root) for root in roots):
        raise SourceRefused("path_not_allowed", path=location, roots=", ".join(settings.SYNC_ALLOWED_ROOTS))
    if not os.path.isdir(real):
        raise SourceRefused("folder_missing", path=location)
    return real


def host_allowed(host: str) -> bool:
    """CRAWL_ALLOWED_HOSTS: "*" any host, "name" that host, ".name" it and its subdomains."""
    host = (host or "").lower().rstrip(".")
    for allowed in settings.CRAWL_ALLOWED_HOSTS:
        allowed = allowed.lower().strip()
        if allowed == "*" or host == allowed.lstrip("."):
            return True
        if allowed.startswith(".") and host.endswith(allowed):
            return True
    return False


def url_checked(url: str) -> str:
    """The URL, if it is http(s) on a host the crawler may fetch."""
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceRefused("url_invalid", url=url)
    if not settings.CRAWL_ALLOWED_HOSTS:
        raise SourceRefused("sites_off")
    if not host_allowed(parts.hostname):
        raise SourceRefused("host_not_allowed", host=parts.hostname)
    return url
