"""The production topology, on one machine: web processes ×N, ingest workers ×N and answer workers ×N on their own
queues, one index every worker shares through QDRANT_URL, and an OpenAI-compatible inference server as LLM_URL.

What stands in for what cannot run here: `tests.qdrant_standin` for a Qdrant server (no server binary can be
installed on the test machine), llama-cpp-python's own `llama_cpp.server` with the tiny model for llama-server or
vLLM. PostgreSQL and Redis are the real ones the tests use; every process is a real one of ours.
"""

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
from django.test.utils import override_settings

from retrieval.contracts import events
from tests import services
from tests.qdrant_standin import start_standin


def start_llm_server(model: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = services.free_port()
    command = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
               "--port", str(port), "--n_ctx", "2048"]
    process = subprocess.Popen(command, cwd=services.ROOT, stdout=log.open("ab"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up():
        try:
            return httpx.get(f"{url}/v1/models", timeout=1).status_code == 200
        except httpx.HTTPError:
            return process.poll() is not None

    services.wait_until(up, timeout=90, what="llama_cpp.server", log_path=log)
    assert process.poll() is None, log.read_text()[-2000:]
    return process, url


def start_worker(env: dict, log: Path, name: str, queue: str, threads: int = 2) -> subprocess.Popen:
    """A worker that consumes one queue only, as production runs them (see README, "Production topology")."""
    command = [sys.executable, "-m", "celery", "-A", "webapp", "worker", "-Q", queue, "--pool", "threads",
               "--concurrency", str(threads), "--loglevel", "INFO", "-n", f"{name}@%h", "--without-mingle",
               "--without-gossip"]
    return subprocess.Popen(command, cwd=services.ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)


class Topology:
    """`webs` web processes, `ingesters` + `answerers` workers, a shared index and an inference server."""

    def __init__(self, base_env: dict, folder: Path, model: Path, *, webs=2, ingesters=2, answerers=2, **overrides):
        self.folder, self.model = folder, model
        self.counts = {"web": webs, "ingest": ingesters, "answer": answerers}
        self.prefix = f"acervo-topo-{uuid.uuid4().hex[:8]}:"
        self.env = dict(base_env, REDIS_KEY_PREFIX=self.prefix, INDEX_PATH=str(folder / "unused-index"), **overrides)
        self.others: list[subprocess.Popen] = []  # the index and the inference server
        self.workers: dict[str, subprocess.Popen] = {}  # by name: ingest1, answer2...
        self.webs: list[subprocess.Popen] = []
        self.urls: list[str] = []

    def log(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def __enter__(self) -> "Topology":
        try:
            index, self.qdrant_url = start_standin(self.folder / "qdrant", self.log("qdrant"))
            self.others.append(index)
            llm, self.llm_url = start_llm_server(self.model, self.log("llm"))
            self.others.append(llm)
            self.env.update(QDRANT_URL=self.qdrant_url, LLM_URL=self.llm_url)
            for queue in ("ingest", "answer"):
                for n in range(1, self.counts[queue] + 1):
                    self.start_worker(f"{queue}{n}")
            for n in range(1, self.counts["web"] + 1):
                port = services.free_port()
                self.webs.append(services.start_web(self.env, self.log(f"web{n}"), port))
                self.urls.append(f"http://127.0.0.1:{port}")
            for n, url in enumerate(self.urls, 1):
                services.wait_until(lambda url=url: services.web_is_up(url), timeout=60, what=f"web{n}",
                                    log_path=self.log(f"web{n}"))
            services.wait_until(self.all_ready, timeout=150, what="every worker", log_path=self.log("ingest1"))
        except BaseException:
            self.__exit__()
            raise
        return self

    def start_worker(self, name: str) -> subprocess.Popen:
        queue = name.rstrip("0123456789")
        self.workers[name] = start_worker(self.env, self.log(name), name, queue)
        return self.workers[name]

    def live(self) -> list[dict]:
        """The heartbeats of this topology's workers (its own Redis key prefix)."""
        with override_settings(REDIS_KEY_PREFIX=self.prefix):
            return events.live_workers()

    def all_ready(self) -> bool:
        pids = {p.pid for p in self.workers.values() if p.poll() is None}
        ready = {beat["pid"] for beat in self.live() if beat.get("ready")}
        return len(pids) == len(self.workers) and pids <= ready

    def __exit__(self, *exc) -> None:
        for process in [*self.webs, *self.workers.values(), *self.others]:
            services.stop(process)
