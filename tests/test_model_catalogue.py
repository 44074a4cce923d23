"""The model catalogue: a GGUF added by URL or Hugging Face repo/file downloads in the worker into a model profile.

The machines here reach no model hub, so a thread on 127.0.0.1 (http.server with Range support) serves the tiny test
GGUF and stands in for Hugging Face (HF_ENDPOINT points at it) and for any download site; it can drop the
connection after N bytes to stand in for a network that fails mid-download.
"""

import hashlib
import http.server
import re
import threading
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation

from retrieval.model_download import download_run
from tests import services
from tests.test_llm_server import llm_server  # noqa: F401  (a fixture: llama_cpp.server on loopback)
from webapp.catalogue.errors import error_text
from webapp.catalogue.models import ModelDownload
from webapp.chat.models import ModelProfile

State = ModelDownload.State


class FileServer(http.server.ThreadingHTTPServer):
    """Serves `files` (path → bytes), honours `Range: bytes=N-`, and records each request's path and Range.
    `cut_after[path] = N` sends the whole length in the headers, then N bytes, then closes: once."""

    daemon_threads = True

    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.cut_after: dict[str, int] = {}
        self.requests: list[tuple[str, str]] = []
        super().__init__(("127.0.0.1", 0), Handler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        server: FileServer = self.server  # type: ignore[assignment]
        asked = self.headers.get("Range", "")
        server.requests.append((self.path, asked))
        body = server.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start = int(re.match(r"bytes=(\d+)-", asked).group(1)) if asked else 0
        if start >= len(body):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(body)}")
            self.end_headers()
            return
        self.send_response(206 if start else 200)
        if start:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.send_header("Content-Length", str(len(body) - start))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        cut = server.cut_after.pop(self.path, None)
        self.wfile.write(body[start:start + cut] if cut is not None else body[start:])
        if cut is not None:
            self.wfile.flush()
            self.close_connection = True


@pytest.fixture
def server(tiny_model_path):
    files = FileServer()
    files.files["/acme/tiny-GGUF/resolve/main/tiny.gguf"] = tiny_model_path.read_bytes()
    thread = threading.Thread(target=files.serve_forever, daemon=True)
    thread.start()
    yield files
    files.shutdown()
    files.server_close()


@pytest.fixture
def root(transactional_db):
    return get_user_model().objects.create_superuser("root", password="root-password-long")


@pytest.fixture
def unique_name():
    """A file name in the real MODELS_DIR (the worker's), removed afterwards with its .part."""
    name = f"catalogue-test-{uuid.uuid4().hex[:8]}.gguf"
    yield name
    for path in (Path(settings.MODELS_DIR) / name, Path(settings.MODELS_DIR) / f"{name}.part"):
        path.unlink(missing_ok=True)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wait_state(download: ModelDownload, states, timeout: float = 60) -> ModelDownload:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        download.refresh_from_db()
        if download.state in states:
            return download
        time.sleep(0.2)
    raise AssertionError(f"download stuck in {download.state}: {download.error_code} {download.error_params}")


def admin_add(client, **fields):
    data = {"source": "", "filename": "", "sha256": "", "profile_name": "", **fields}
    return client.post("/admin/catalogue/modeldownload/add/", data)


def queued(server: FileServer, name: str, **fields) -> ModelDownload:
    return ModelDownload.objects.create(source="test", url=f"{server.url}/acme/tiny-GGUF/resolve/main/tiny.gguf",
                                        filename=name, **fields)


@pytest.mark.django_db(transaction=True)
def test_hugging_face_file_downloads_in_the_worker_into_a_profile(worker, server, root, client, settings,
                                                                  tiny_model_path, unique_name):
    settings.HF_ENDPOINT = server.url
    client.force_login(root)
    digest = sha256(tiny_model_path.read_bytes())
    response = admin_add(client, source="acme/tiny-GGUF/tiny.gguf", filename=unique_name, sha256=digest.upper(),
                         profile_name="Tiny from the hub")
    assert response.status_code == 302, response.content.decode()[:3000]
    download = wait_state(ModelDownload.objects.get(), [State.READY, State.FAILED])

    assert download.state == State.READY, (download.error_code, download.error_params)
    assert download.url == f"{server.url}/acme/tiny-GGUF/resolve/main/tiny.gguf"
    target = Path(settings.MODELS_DIR) / unique_name
    assert sha256(target.read_bytes()) == digest and not target.with_name(unique_name + ".part").exists()
    assert download.bytes_done == download.bytes_total == tiny_model_path.stat().st_size
    assert download.profile.name == "Tiny from the hub" and download.profile.model_path == str(target)
    assert server.requests == [("/acme/tiny-GGUF/resolve/main/tiny.gguf", "")]
    page = client.get("/admin/catalogue/modeldownload/").content.decode()
    assert "100% (" in page and "Qwen2.5 3B Instruct" in page


@pytest.mark.django_db(transaction=True)
def test_a_download_cut_mid_way_resumes_with_a_range_request(worker, server, root, client, tiny_model_path,
                                                             unique_name):
    """The server closes the connection after 200 000 of the ~600 000 bytes, once; the worker continues."""
    path = "/acme/tiny-GGUF/resolve/main/tiny.gguf"
    server.cut_after[path] = 200_000
    client.force_login(root)
    assert admin_add(client, source=f"{server.url}{path}", filename=unique_name).status_code == 302
    download = wait_state(ModelDownload.objects.get(), [State.READY, State.FAILED])

    assert download.state == State.READY, (download.error_code, download.error_params)
    assert server.requests == [(path, ""), (path, "bytes=200000-")]
    assert download.resumed == 1
    assert sha256((Path(settings.MODELS_DIR) / unique_name).read_bytes()) == sha256(tiny_model_path.read_bytes())
    assert download.profile is None  # no profile name given: the admin makes one when they want


@pytest.mark.django_db(transaction=True)
def test_a_failed_download_resumes_from_its_part_with_the_admin_action(worker, server, root, client, settings,
                                                                       tiny_model_path, unique_name):
    """In-process first, allowed one attempt: the cut fails it and keeps the .part; the action sends it to the worker."""
    path = "/acme/tiny-GGUF/resolve/main/tiny.gguf"
    server.cut_after[path] = 300_000
    settings.MODEL_DOWNLOAD_ATTEMPTS = 1
    download = queued(server, unique_name, profile_name="Resumed")
    download_run(download.pk)
    download.refresh_from_db()
    assert download.state == State.FAILED and download.error_code == "interrupted"
    assert (Path(settings.MODELS_DIR) / f"{unique_name}.part").stat().st_size == 300_000
    assert "Retry or resume" in error_text(download.error_code, download.error_params)

    client.force_login(root)
    client.post("/admin/catalogue/modeldownload/", {"action": "resume", "_selected_action": [download.pk]})
    download = wait_state(download, [State.READY, State.FAILED])
    assert download.state == State.READY, (download.error_code, download.error_params)
    assert server.requests[-1] == (path, "bytes=300000-")
    assert sha256((Path(settings.MODELS_DIR) / unique_name).read_bytes()) == sha256(tiny_model_path.read_bytes())
    assert ModelProfile.objects.get(name="Resumed").model_path == str(Path(settings.MODELS_DIR) / unique_name)


@pytest.mark.django_db
def test_a_wrong_checksum_fails_clearly_and_leaves_no_file(server, settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    download = queued(server, "tiny.gguf", sha256="0" * 64, profile_name="Never")
    download_run(download.pk)
    download.refresh_from_db()
    assert download.state == State.FAILED and download.error_code == "checksum_mismatch"
    assert list(tmp_path.iterdir()) == [] and not ModelProfile.objects.filter(name="Never").exists()
    with translation.override("pt-br"):
        assert "0" * 64 in error_text(download.error_code, download.error_params)
        assert "removido" in error_text(download.error_code, download.error_params)


@pytest.mark.django_db
def test_not_enough_free_disk_fails_before_writing(server, settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    settings.MODEL_DOWNLOAD_MIN_FREE_MB = 10**9
    download = queued(server, "tiny.gguf")
    download_run(download.pk)
    download.refresh_from_db()
    assert download.state == State.FAILED and download.error_code == "not_enough_disk"
    assert download.error_params["need_mb"] > download.error_params["free_mb"]
    assert list(tmp_path.iterdir()) == []
    assert "MODEL_DOWNLOAD_MIN_FREE_MB" in error_text(download.error_code, download.error_params)


@pytest.mark.django_db
def test_a_file_that_is_not_a_gguf_is_refused(server, settings, tmp_path):
    settings.MODELS_DIR = tmp_path
    server.files["/page.gguf"] = b"<!doctype html><html>Sign in to download</html>" * 100
    download = ModelDownload.objects.create(source="x", url=f"{server.url}/page.gguf", filename="page.gguf")
    download_run(download.pk)
    download.refresh_from_db()
    assert download.state == State.FAILED and download.error_code == "not_gguf"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.django_db
def test_the_add_form_checks_what_it_can_before_queueing(client, settings, tmp_path, tiny_model_path):
    """Bad sources are refused in the form; a local GGUF becomes a profile at once, with no download."""
    settings.MODELS_DIR = tmp_path
    client.force_login(get_user_model().objects.create_superuser("root", password="root-password-long"))
    ModelProfile.objects.create(name="Taken")
    for fields, error in [
        ({"source": "not a model"}, "Hugging Face"),
        ({"source": "https://example.org/model.bin"}, "ending in .gguf"),
        ({"source": "acme/repo/x.gguf", "profile_name": "Taken"}, "already exists"),
        ({"source": "acme/repo/x.gguf", "sha256": "abc"}, "64 hexadecimal"),
        ({"source": "/nowhere/model.gguf"}, "There is no file"),
        ({"source": str(Path(settings.BASE_DIR) / "README.md")}, "not a GGUF"),
    ]:
        response = admin_add(client, **fields)
        assert response.status_code == 200 and error in response.content.decode(), fields
    assert not ModelDownload.objects.exists()

    assert admin_add(client, source=str(tiny_model_path), profile_name="Local tiny").status_code == 302
    download = ModelDownload.objects.get()
    assert download.state == State.READY and download.url == ""
    assert ModelProfile.objects.get(name="Local tiny").model_path == str(tiny_model_path)


@pytest.mark.django_db
def test_an_openai_compatible_server_becomes_a_profile_that_answers_through_it(llm_server, client):
    """llama-cpp-python's own server on loopback (tests/test_llm_server.py's fixture) serves the tiny model."""
    from retrieval.components import get_llm
    from retrieval.llm import OpenAICompatibleLLM
    from retrieval.types import GenerationParams
    from tests.test_llm_server import PROMPT

    client.force_login(get_user_model().objects.create_superuser("root", password="root-password-long"))
    nobody = f"http://127.0.0.1:{services.free_port()}"
    response = admin_add(client, source=nobody, server="on", profile_name="Remote")
    assert response.status_code == 200 and "No OpenAI-compatible server answers" in response.content.decode()

    assert admin_add(client, source=llm_server, server="on", profile_name="Remote").status_code == 302
    profile = ModelProfile.objects.get(name="Remote")
    assert profile.model_path == llm_server and ModelDownload.objects.get().state == State.READY
    llm = get_llm(profile)
    assert isinstance(llm, OpenAICompatibleLLM) and llm.url == llm_server
    pieces = list(llm.stream(PROMPT, GenerationParams(temperature=0, seed=1, max_tokens=8)))
    assert "".join(p.text for p in pieces).strip() and pieces[-1].finish_reason == "length"
