"""`make run` (scripts/run.sh) keeps going when its worker dies: it says so, starts a new worker, and the web
server answers all along. The script is started as a person starts it, on a free port with its own DATA_DIR."""

import json
import os
import signal
import subprocess
import time

import httpx
import pytest
import redis

from tests import services

ROOT = services.ROOT


def ready_workers() -> set[int]:
    """Pids of this run's workers that send heartbeats and have loaded their models."""
    beats = redis.Redis.from_url(os.environ["REDIS_URL"]).hgetall(f"{os.environ['REDIS_KEY_PREFIX']}run-sh:workers")
    return {status["pid"] for status in map(json.loads, beats.values()) if status["ready"]}


@pytest.fixture
def running(tmp_path):
    env = {name: value for name, value in os.environ.items() if name not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    port = services.free_port()
    env.update(DATA_DIR=str(tmp_path / "data"), PORT=str(port), MODELS_DIR=str(ROOT / "var" / "models"),
               LLM_MODEL_PATH="none", WORKER_THREADS="2", ACERVO_ADMIN_PASSWORD="admin-password",
               REDIS_KEY_PREFIX=f"{os.environ['REDIS_KEY_PREFIX']}run-sh:", PYTHONUNBUFFERED="1")
    output = tmp_path / "run.out"
    script = subprocess.Popen(["bash", "scripts/run.sh"], cwd=ROOT, env=env, stdout=output.open("wb"),
                              stderr=subprocess.STDOUT, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        services.wait_until(lambda: services.web_is_up(base_url), timeout=240, what="make run's web", log_path=output)
        yield script, base_url, output
    finally:
        script.terminate()  # what Ctrl-C does: the script's trap stops what it started
        try:
            script.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait()


def test_a_killed_worker_is_started_again_while_the_web_keeps_answering(running):
    script, base_url, output = running
    first, = services.wait_until(ready_workers, timeout=240, what="the first worker", log_path=output)

    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 240
    while not ready_workers() - {first} and time.monotonic() < deadline:
        assert httpx.get(f"{base_url}/healthz", timeout=5).status_code == 200  # the web answers all along
        time.sleep(0.5)

    assert ready_workers() - {first}, output.read_text()[-3000:]
    assert script.poll() is None
    assert "the worker stopped (exit status 137); starting it again in 1 s" in output.read_text()
