"""A legacy document whose picture is linked by address is converted without fetching it (issue 18, item 8: blind
SSRF from LibreOffice). The address is an HTTP listener this test starts on a loopback port; it must hear nothing.

The document is made here by LibreOffice itself (HTML with a remote <img> saved as Word 97: an INCLUDEPICTURE
field), which fetches the picture once while making it: that request is how we know the link is live.
"""

import http.server
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import wait_for_document

pytestmark = [
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed: run "
                                                               "scripts/system_packages.sh"),
    pytest.mark.django_db(transaction=True),
]
REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def listener():
    """An HTTP server on a free loopback port; yields (url, list of the paths it was asked for)."""
    heard: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            heard.append(self.path)
            self.send_response(404)
            self.end_headers()

        do_HEAD = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", heard
    finally:
        server.shutdown()
        server.server_close()


def _doc_linking(url: str, folder: Path) -> Path:
    """A Word 97 file with a heading, a paragraph and a picture linked (not embedded) from `url`."""
    html = folder / "linked.html"
    html.write_text(f"<html><body><h1>Política de viagens</h1><p>Reembolso de passagens em até trinta dias.</p>"
                    f'<p><img src="{url}/linked.png" width="100" height="100"></p></body></html>', encoding="utf-8")
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--convert-to", "doc:MS Word 97", "--outdir", str(folder), str(html)],
                   check=True, capture_output=True, timeout=120)
    return folder / "linked.doc"


def test_a_doc_linking_a_picture_on_loopback_is_indexed_without_a_request(alice_api, handbook, listener, tmp_path):
    url, heard = listener
    document = _doc_linking(url, tmp_path)
    assert heard, "the crafted document does not link a live picture"
    heard.clear()

    response = alice_api.post("/documents", files={"file": ("linked.doc", document.read_bytes(), "application/msword")},
                              data={"collection": "handbook"})
    ingested = wait_for_document(response.json()["id"])

    assert ingested.status == "indexed", ingested.error
    assert heard == []


def test_where_user_namespaces_are_refused_the_profile_alone_keeps_the_conversion_offline(listener, tmp_path):
    url, heard = listener
    document = _doc_linking(url, tmp_path)
    heard.clear()
    refusing = tmp_path / "bin"
    refusing.mkdir()
    # what unshare says in a container whose seccomp profile forbids user namespaces
    (refusing / "unshare").write_text("#!/bin/sh\necho 'unshare: unshare failed: Operation not permitted' >&2\n"
                                      "exit 1\n")
    (refusing / "unshare").chmod(0o755)
    script = ("import sys; from pathlib import Path; from ingestion.parsers import parse_file; "
              "print('|'.join(block.text for block in parse_file(Path(sys.argv[1])).blocks))")
    env = dict(os.environ, PATH=f"{refusing}{os.pathsep}{os.environ['PATH']}", http_proxy=url, no_proxy="*")

    done = subprocess.run([sys.executable, "-c", script, str(document)], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=180)

    assert heard == []
    assert done.returncode == 0, done.stderr
    assert "Reembolso de passagens" in done.stdout
    assert "user namespaces are not available here" in done.stderr
