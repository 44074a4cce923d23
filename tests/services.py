"""Real processes for the tests: a Celery worker and the ASGI web server, as `make run` starts them."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def database_url(settings_dict: dict) -> str:
    """A URL for the test database pytest-django created, for the child processes."""
    if settings_dict["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings_dict['NAME']}"
    user = settings_dict.get("USER") or ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings_dict['NAME']}"


def child_env(db_url: str, **extra: str) -> dict:
    env = dict(os.environ)
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=db_url, PYTHONUNBUFFERED="1", **extra)
    return env


def start_worker(env: dict, log_path: Path, name: str = "test") -> subprocess.Popen:
    command = [sys.executable, "-m", "celery", "-A", "webapp", "worker", "-Q", "answer,ingest", "--pool", "threads",
               "--concurrency", "4", "--loglevel", "INFO", "-n", f"{name}@%h", "--without-mingle", "--without-gossip"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_web(env: dict, log_path: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "uvicorn", "webapp.asgi:application", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log_path.open("ab"), stderr=subprocess.STDOUT)


def wait_until(check, *, timeout: float, what: str, log_path: Path | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    tail = log_path.read_text()[-3000:] if log_path and log_path.exists() else ""
    raise TimeoutError(f"{what} not ready after {timeout} s\n{tail}")


def web_is_up(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def stop(process: subprocess.Popen, timeout: float = 15) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Stack:
    """A worker and a web server of their own, for tests that need other settings than the session's:
    a separate index folder and Redis key prefix, so they never meet the session worker's tasks."""

    def __init__(self, base_env: dict, folder: Path, name: str, **overrides: str):
        import uuid

        self.folder = folder
        self.env = dict(base_env, INDEX_PATH=str(folder / "index"),
                        REDIS_KEY_PREFIX=f"acervo-{name}-{uuid.uuid4().hex[:8]}:", **overrides)
        self.name = name
        self.worker = self.web = None
        self.url = ""

    def __enter__(self) -> "Stack":
        self.worker = start_worker(self.env, self.folder / "worker.log", name=self.name)
        port = free_port()
        self.web = start_web(self.env, self.folder / "web.log", port)
        self.url = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: web_is_up(self.url), timeout=60, what="web", log_path=self.folder / "web.log")
            wait_until(self.ready, timeout=240, what=f"{self.name} worker", log_path=self.folder / "worker.log")
        except BaseException:
            self.__exit__()
            raise
        return self

    def ready(self) -> bool:
        """Its worker has warmed up (a stack may be made to lack a part /readyz asks for, like its index)."""
        return self.readyz()["checks"]["worker"].startswith("ok")

    def readyz(self) -> dict:
        return httpx.get(f"{self.url}/readyz", timeout=5).json()

    def __exit__(self, *exc) -> None:
        for process in (self.web, self.worker):
            if process is not None:
                stop(process)
