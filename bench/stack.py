"""A `make run`-like stack for the bench scripts: a fresh DATA_DIR on SQLite, its own Redis key prefix, an admin
and an API token, then the worker (and the web process) started and waited for.

One copy for the bench scripts that start processes (e2e, load, answer, memory), which each used to carry their own.
"""

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests import services  # noqa: E402


def stack_env(data: Path, *, label: str = "bench", model_path: str = "", keep_database_url: bool = False,
              **extra: str) -> dict:
    """The environment of a stack in `data`: the shared models, `model_path` as LLM_MODEL_PATH ("" = the default
    Gemma 3 270M, "none" = search-only), no API rate limit; SQLite in `data` unless `keep_database_url` lets the
    caller's DATABASE_URL through (the load test runs on either)."""
    env = dict(os.environ, DATA_DIR=str(data), DJANGO_SETTINGS_MODULE="webapp.settings", LLM_MODEL_PATH=model_path,
               MODELS_DIR=str(ROOT / "var" / "models"), REDIS_KEY_PREFIX=f"acervo-{label}-{uuid.uuid4().hex[:6]}:",
               ACERVO_ADMIN_PASSWORD=f"{label}-password", API_RATE_LIMIT_PER_MINUTE="100000", **extra)
    if not keep_database_url:
        env.pop("DATABASE_URL", None)
    return env


def admin_token(env: dict) -> str:
    """Migrate the stack's database, create its admin and return a new API token of the admin's."""
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(manage + ["ensure_admin"], cwd=ROOT, env=env, check=True, capture_output=True)
    out = subprocess.run(manage + ["create_api_token", "admin"], cwd=ROOT, env=env, check=True, capture_output=True,
                         text=True).stdout
    return out.split()[-1]


def start_stack(env: dict, logs: Path):
    """(worker, web, base URL) once the web answers and reports the worker ready."""
    worker = services.start_worker(env, logs / "worker.log", name=f"bench{uuid.uuid4().hex[:4]}")
    port = services.free_port()
    web = services.start_web(env, logs / "web.log", port)
    base = f"http://127.0.0.1:{port}"
    services.wait_until(lambda: services.web_is_up(base), timeout=60, what="web")
    services.wait_until(lambda: httpx.get(f"{base}/readyz").json()["status"] == "ok", timeout=240, what="worker",
                        log_path=logs / "worker.log")
    return worker, web, base


def clean_up(env: dict, data: Path, *, keep: bool) -> None:
    """This run's Redis keys (answer streams, Celery queues) and, unless kept, its data folder."""
    import redis

    client = redis.Redis.from_url(env.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    keys = list(client.scan_iter(match=env["REDIS_KEY_PREFIX"] + "*", count=1000))
    if keys:
        client.delete(*keys)
    if not keep:
        shutil.rmtree(data, ignore_errors=True)
