"""A website or sitemap, synced: pages reached from the start URL (or listed in the sitemap) within the source's
limits are ingested as HTML documents; a changed page becomes a new version of its document; a page no longer
reached (gone, now disallowed, out of the limits) leaves the index.

- Scope: the start URL's host and port (or, when the source names a domain, that domain and its subdomains), and
  every URL fetched, redirects included, on a host CRAWL_ALLOWED_HOSTS allows.
- robots.txt is respected (urllib.robotparser, our user agent): a disallowed page is not fetched.
- Limits: links followed `max_depth` levels deep (sitemap entries are level 0), at most `max_pages` pages fetched,
  CRAWL_TIMEOUT_S per request, CRAWL_MAX_PAGE_KB per page.
- Change detection: If-None-Match / If-Modified-Since from the last sync (a 304 is unchanged), then the content's
  sha256 (`document_store_version` ignores the same bytes).
- A page that fails for a while (timeout, 5xx) keeps its document; 404 and 410 remove it. When the start page or
  the sitemap cannot be read at all, the run fails and nothing is removed.
"""

import hashlib
import html
import re
import tempfile
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx
from django.conf import settings
from django.db import OperationalError

from ingestion import source_documents as docs
from webapp.sources.models import Source, SourceItem, SyncEntry
from webapp.sources.rules import SourceRefused, host_allowed, url_checked

A = SyncEntry.Action
USER_AGENT = "AcervoBot/1.0 (+https://github.com/acervo)"
MAX_REDIRECTS = 5
NOT_PAGES = re.compile(r"\.(png|jpe?g|gif|svg|webp|ico|css|js|pdf|zip|gz|mp[34]|avi|mov|woff2?|ttf|xml)$", re.I)
TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
LOC = re.compile(r"<loc>\s*(.*?)\s*</loc>", re.I | re.S)


class Page:
    def __init__(self, url: str, status: int, headers: httpx.Headers, body: bytes):
        self.url, self.status, self.headers, self.body = url, status, headers, body

    @property
    def is_html(self) -> bool:
        kind = self.headers.get("content-type", "").split(";")[0].strip().lower()
        return kind in ("text/html", "application/xhtml+xml") or (not kind and b"<html" in self.body[:2048].lower())


class Crawler:
    def __init__(self, source: Source, sync_log: docs.SyncLog, folder: Path):
        self.source, self.log, self.folder = source, sync_log, folder
        self.start = url_checked(source.location)
        self.client = httpx.Client(timeout=settings.CRAWL_TIMEOUT_S, headers={"User-Agent": USER_AGENT})
        self.robots: dict[str, RobotFileParser] = {}
        self.items = {item.key: item for item in SourceItem.objects.filter(source=source).select_related("document")}
        self.kept: set[str] = set()

    def run(self) -> None:
        with self.client:
            queue, seen = deque((url, 0) for url in self._start_urls()), set()
            fetched = 0
            while queue and fetched < self.source.max_pages:
                url, depth = queue.popleft()
                if url in seen or not self._may_fetch(url):
                    continue
                seen.add(url)
                fetched += 1
                links = self._visit(url)
                if depth < self.source.max_depth:
                    queue.extend((link, depth + 1) for link in links if link not in seen)
        for key, item in self.items.items():
            if key not in self.kept:
                docs.remove(item, self.log)

    def _start_urls(self) -> list[str]:
        """The start page, or the pages a sitemap (or a sitemap index, one level down) lists."""
        self._robots_for(self.start)  # an unreachable site fails the run here, before anything is removed
        if not urlsplit(self.start).path.lower().endswith(".xml"):
            return [self.start]
        text = self._read_whole(self.start)
        urls = [html.unescape(u) for u in LOC.findall(text)]
        if "<sitemapindex" in text[:2000].lower():
            urls = [u for sitemap in urls[:50] if self.in_scope(sitemap) for u in LOC.findall(self._read_whole(sitemap))]
        return [_normal(u) for u in urls if self.in_scope(u)][: self.source.max_pages]

    def _read_whole(self, url: str) -> str:
        try:
            page = self._get(url, {})
        except (httpx.HTTPError, SourceRefused) as exc:
            raise SourceRefused("site_unreachable", url=url, error=_why(exc)) from None
        if page.status != 200:
            raise SourceRefused("site_unreachable", url=url, error=f"HTTP {page.status}")
        return page.body.decode("utf-8", "replace")

    def _visit(self, url: str) -> list[str]:
        """Fetch one page and store it if new or changed; returns its links (also when unchanged)."""
        item = self.items.get(url)
        try:
            page = self._get(url, _conditions(item))
        except SourceRefused as exc:
            self.log.entry(A.FAILED, url, code=exc.code, **exc.params)
            return []
        except httpx.HTTPError as exc:
            self._keep(url, item)
            self.log.entry(A.FAILED, url, code="page_unreachable", error=_why(exc))
            return []
        if page.status == 304 and item and item.document:
            self._keep(url, item)
            self.log.unchanged()
            return self._links(url, _stored(item))
        if page.status in (404, 410):
            return []  # not kept: its document leaves the index
        if page.status != 200:
            self._keep(url, item)
            self.log.entry(A.FAILED, url, code="page_status", status=page.status)
            return []
        if not self.in_scope(page.url):
            self.log.entry(A.FAILED, url, code="off_site", target=page.url)
            return []
        if not page.is_html:
            self.log.entry(A.FAILED, url, code="not_html", content_type=page.headers.get("content-type", ""))
            return []
        self._store(url, item, page)
        return self._links(page.url, page.body.decode("utf-8", "replace"))

    def _store(self, url: str, item: SourceItem | None, page: Page) -> None:
        target = self.folder / "page.html"
        target.write_bytes(page.body)
        snap = docs.Snapshot(key=url, path=target, name=_file_name(url), sha256=hashlib.sha256(page.body).hexdigest(),
                             size=len(page.body), etag=page.headers.get("etag", "")[:300],
                             last_modified=page.headers.get("last-modified", "")[:100], title=_title(page.body, url))
        self.kept.add(url)
        try:
            if item and item.document:
                docs.update(item, snap, self.log)
            else:
                docs.add(self.source, snap, self.log)
        except OperationalError as exc:  # e.g. SQLite busy past its timeout: this page waits for the next sync
            self.log.entry(A.FAILED, url, code="database_busy", error=str(exc)[:200])

    def _keep(self, url: str, item: SourceItem | None) -> None:
        if item:
            self.kept.add(url)

    def _get(self, url: str, headers: dict) -> Page:
        """GET with redirects followed by hand, each hop checked against CRAWL_ALLOWED_HOSTS; body size capped."""
        limit = settings.CRAWL_MAX_PAGE_KB * 1024
        for _ in range(MAX_REDIRECTS + 1):
            url_checked(url)
            with self.client.stream("GET", url, headers=headers) as response:
                if response.is_redirect and "location" in response.headers:
                    url = _normal(urljoin(url, response.headers["location"]))
                    continue
                body = b""
                for block in response.iter_bytes():
                    body += block
                    if len(body) > limit:
                        raise SourceRefused("page_too_large", max_kb=settings.CRAWL_MAX_PAGE_KB)
                return Page(url, response.status_code, response.headers, body)
        raise SourceRefused("too_many_redirects", url=url)

    def _robots_for(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self.robots:
            robots = RobotFileParser(f"{origin}/robots.txt")
            try:
                page = self._get(f"{origin}/robots.txt", {})
            except (httpx.HTTPError, SourceRefused) as exc:
                raise SourceRefused("site_unreachable", url=url, error=_why(exc)) from None
            if page.status >= 500:
                robots.disallow_all = True  # RFC 9309: the server's rules are unknown, so nothing is fetched
            elif page.status == 200:
                robots.parse(page.body.decode("utf-8", "replace").splitlines())
            else:
                robots.allow_all = True
            self.robots[origin] = robots
        return self.robots[origin]

    def _may_fetch(self, url: str) -> bool:
        try:
            return self.in_scope(url) and self._robots_for(url).can_fetch(USER_AGENT, url)
        except SourceRefused:
            return False

    def in_scope(self, url: str) -> bool:
        parts, start = urlsplit(url), urlsplit(self.start)
        if parts.scheme not in ("http", "https") or not host_allowed(parts.hostname or ""):
            return False
        domain = self.source.domain.lower().strip(".")
        if domain:
            host = (parts.hostname or "").lower()
            return host == domain or host.endswith("." + domain)
        return parts.netloc.lower() == start.netloc.lower()

    def _links(self, base: str, text: str) -> list[str]:
        finder = _LinkFinder()
        finder.feed(text)
        links = (_normal(urljoin(base, href)) for href in finder.hrefs)
        return [link for link in dict.fromkeys(links) if not NOT_PAGES.search(urlsplit(link).path)
                and self.in_scope(link)]


def crawl_site(source: Source, sync_log: docs.SyncLog) -> None:
    """Sync the source's pages. Raises SourceRefused (nothing removed) when the site cannot be read at all."""
    with tempfile.TemporaryDirectory(prefix="acervo-crawl-") as folder:
        Crawler(source, sync_log, Path(folder)).run()


class _LinkFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href and not href.startswith(("mailto:", "javascript:", "tel:")):
                self.hrefs.append(href)


def _normal(url: str) -> str:
    return urldefrag(url.strip())[0]


def _conditions(item: SourceItem | None) -> dict:
    if not (item and item.document_id):
        return {}
    headers = {}
    if item.etag:
        headers["If-None-Match"] = item.etag
    if item.last_modified:
        headers["If-Modified-Since"] = item.last_modified
    return headers


def _stored(item: SourceItem) -> str:
    try:
        with item.document.file.open("rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""


def _title(body: bytes, url: str) -> str:
    found = TITLE.search(body[:200_000].decode("utf-8", "replace"))
    title = " ".join(html.unescape(found.group(1)).split()) if found else ""
    return (title or url)[:300]


def _file_name(url: str) -> str:
    parts = urlsplit(url)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{parts.hostname}{parts.path}?{parts.query}".rstrip("?")).strip("_.")
    return f"{stem[:150] or 'page'}.html"


def _why(exc: Exception) -> str:
    if isinstance(exc, SourceRefused):
        return exc.code
    return f"{type(exc).__name__}: {exc}"[:300]
