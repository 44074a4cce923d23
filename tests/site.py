"""A small website served on 127.0.0.1 by the test itself (http.server in a thread), whose pages the test can
change: ETag and If-None-Match like a real server, robots.txt, a sitemap, 404 for removed pages."""

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def page(title: str, body: str, links: tuple[str, ...] = ()) -> str:
    anchors = "".join(f'<li><a href="{href}">{href}</a></li>' for href in links)
    return (f"<!doctype html><html><head><title>{title}</title></head><body><nav><ul>{anchors}</ul></nav>"
            f"<main><h1>{title}</h1><p>{body}</p></main></body></html>")


class Site:
    def __init__(self, pages: dict[str, str]):
        self.pages = dict(pages)  # path -> body (HTML, or text for robots.txt and the sitemap)
        self.requests: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append(self.path)
                body = site.pages.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                data = body.encode()
                kind = "text/plain" if self.path.endswith(".txt") else (
                    "application/xml" if self.path.endswith(".xml") else "text/html; charset=utf-8")
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self) -> "Site":
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
