"""What `make run` prints, as a person sees it in a terminal or a log: no password it was given, no warning nobody can
act on, and Ctrl-C ends everything with one line (no "make: *** Error 130"). Started as a person starts it, on a free
port with its own DATA_DIR; Ctrl-C is SIGINT to the whole process group, as a terminal sends it."""

import hashlib
import os
import signal
import subprocess
import time

import httpx
import pytest

from tests import services

ROOT = services.ROOT


def _installed_from_this_requirements() -> bool:
    """make run installs first when the virtualenv was installed from another requirements.txt (a worktree sharing
    another checkout's virtualenv): a test must never install packages, so it runs only when nothing would be."""
    stamp = ROOT / ".venv" / ".requirements.sha256"
    wanted = hashlib.sha256((ROOT / "requirements.txt").read_bytes()).hexdigest()
    return stamp.exists() and stamp.read_text().strip() == wanted


@pytest.mark.skipif(not _installed_from_this_requirements(),
                    reason=".venv was not installed from this requirements.txt: make run would install packages first")
def test_ctrl_c_stops_make_run_with_one_line_and_nothing_else_to_read(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    port = services.free_port()
    env.update(DATA_DIR=str(tmp_path / "data"), PORT=str(port), MODELS_DIR=str(ROOT / "var" / "models"),
               LLM_MODEL_PATH="none", WORKER_THREADS="2", ACERVO_ADMIN_PASSWORD="a-password-given",
               REDIS_KEY_PREFIX=f"{os.environ['REDIS_KEY_PREFIX']}run-console:", PYTHONUNBUFFERED="1")
    output = tmp_path / "run.out"
    make = subprocess.Popen(["make", "run"], cwd=ROOT, env=env, stdout=output.open("wb"), stderr=subprocess.STDOUT,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    base_url = f"http://127.0.0.1:{port}"
    try:
        services.wait_until(lambda: services.web_is_up(base_url), timeout=240, what="make run's web", log_path=output)
        assert httpx.get(f"{base_url}/static/acervo/acervo.css", timeout=10).status_code == 200  # a file response
        services.wait_until(lambda: "worker started" in output.read_text(), timeout=60, what="the worker")
        time.sleep(3)
        os.killpg(make.pid, signal.SIGINT)
        make.wait(90)
    finally:
        if make.poll() is None:
            os.killpg(make.pid, signal.SIGKILL)
            make.wait()
    said = output.read_text()
    assert said.rstrip().endswith("==> Acervo stopped."), said[-2000:]
    assert said.count("Acervo stopped") == 1
    assert "a-password-given" not in said and "shown once" not in said
    assert "password from ACERVO_ADMIN_PASSWORD" in said
    for noise in ("Error 130", "make: ***", "StreamingHttpResponse", "Traceback", "Warning"):
        assert noise not in said, said[-2000:]
    assert "superuser privileges" not in (tmp_path / "data" / "logs" / "worker.log").read_text()
