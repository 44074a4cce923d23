"""Time to first answer on a new checkout: `make run` from a clean clone until a first question is answered.

What a newcomer lives through, timed at the outside like they would with a stopwatch:

1. a clean clone of this repository into a temporary folder (`git clone`, so only committed files);
2. `make run` there with its own DATA_DIR and PORT: the set-up (`scripts/bootstrap.sh`: virtualenv, packages,
   models, and whatever else it builds), migrations, the worker and the web server — until `/readyz` says ok;
3. a document uploaded through the API and indexed, and a question asked with streaming: time to its first token
   and to its end.

With `--reuse-venv` the clone borrows this checkout's `.venv` (the set-up then only checks it), which times the
start of an installed Acervo; without it the clone installs its own virtualenv: on a machine that has run the
set-up before, pip's cache already holds the compiled llama.cpp wheel, so the figure is the "second machine"
time, not the first one (the first one is the set-up log's own timings: see the README's "Run it").

Usage: .venv/bin/python bench/first_answer.py [--reuse-venv] [--keep]
The last line is one JSON object with every figure (seconds since `make run` was started).
"""

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = (
    "# Política de férias\n\nTodo colaborador tem direito a 30 dias corridos de férias por ano, que podem ser "
    "divididos em até três períodos, um deles com pelo menos 14 dias.\n\n# Reembolso\n\nDespesas de viagem são "
    "reembolsadas em até 10 dias úteis após a entrega dos comprovantes ao gestor.\n"
)
QUESTION = "Quantos dias de férias o colaborador tem por ano?"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{what} not ready after {timeout:.0f} s; the end of {log}:\n{log.read_text()[-3000:]}")


def first_answer(base: str, token: str) -> dict:
    """Upload, wait for indexed, ask: seconds for each step, measured here."""
    figures = {}
    with httpx.Client(base_url=f"{base}/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=600) as api:
        started = time.monotonic()
        doc = api.post("/documents", files={"file": ("ferias.md", DOCUMENT.encode(), "text/markdown")},
                       data={"collection": "first"}).json()
        while doc["status"] not in ("indexed", "failed"):
            time.sleep(0.2)
            doc = api.get(f"/documents/{doc['id']}").json()
        figures["upload_to_indexed_s"] = round(time.monotonic() - started, 2)
        figures["document_status"] = doc["status"]
        started = time.monotonic()
        body = {"question": QUESTION, "stream": True, "params": {"max_tokens": 64, "temperature": 0}}
        answer = []
        with api.stream("POST", "/chat", json=body) as response:
            event = ""
            for line in response.iter_lines():
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "token":
                    figures.setdefault("question_to_first_token_s", round(time.monotonic() - started, 2))
                    answer.append(json.loads(line[6:]).get("text", ""))
                elif event in ("done", "error") and line.startswith("data: "):
                    figures["answer_outcome"] = event
                    break
        figures["question_to_end_s"] = round(time.monotonic() - started, 2)
        figures["answer"] = "".join(answer)[:200]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reuse-venv", action="store_true", help="borrow this checkout's .venv (an installed start)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary clone")
    parser.add_argument("--timeout", type=float, default=3600)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="acervo-first-"))
    clone = work / "acervo"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    if args.reuse_venv:
        (clone / ".venv").symlink_to(ROOT / ".venv")
    port = free_port()
    log = work / "make-run.log"
    env = dict(os.environ, PORT=str(port), DATA_DIR=str(work / "data"), ACERVO_ADMIN_PASSWORD="first-answer-bench",
               REDIS_KEY_PREFIX=f"acervo-first-{port}:", PYTHONUNBUFFERED="1")
    env.pop("DATABASE_URL", None)
    env.pop("VIRTUAL_ENV", None)
    base = f"http://127.0.0.1:{port}"
    figures: dict = {"reuse_venv": args.reuse_venv, "load_before": os.getloadavg()[0]}
    started = time.monotonic()
    run = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                           start_new_session=True)
    try:
        wait_for(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, timeout=args.timeout,
                 what="the web server", log=log)
        figures["web_up_s"] = round(time.monotonic() - started, 1)
        wait_for(lambda: httpx.get(f"{base}/readyz", timeout=2).json().get("status") == "ok", timeout=args.timeout,
                 what="the worker", log=log)
        figures["ready_s"] = round(time.monotonic() - started, 1)
        python = str(clone / ".venv" / "bin" / "python")
        token = subprocess.run([python, "manage.py", "create_api_token", "admin"], cwd=clone, env=env, check=True,
                               capture_output=True, text=True).stdout.split()[-1]
        steps = first_answer(base, token)
        figures.update(steps)
        figures["make_run_to_first_token_s"] = round(
            figures["ready_s"] + steps["upload_to_indexed_s"] + steps.get("question_to_first_token_s", 0), 1)
    finally:
        os.killpg(run.pid, signal.SIGINT)
        try:
            run.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            figures["kept"] = str(work)
    figures["load_after"] = os.getloadavg()[0]
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
