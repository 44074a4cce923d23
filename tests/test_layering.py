"""Which package may import which (README, "How it works": Layout), checked on the source in well under a second.

    web (webapp/ as the web process loads it) ──▶ retrieval.contracts ◀── workers (ingestion/, retrieval/)
    ingestion ──▶ retrieval            retrieval ──▶ ingestion: never

- The web process reaches, through any import (at the top of a module or inside a function), no module of the
  worker packages except `retrieval.contracts` and the few pure modules in WEB_SHARED. Where it starts: what
  Django and uvicorn load (settings and every dotted path it names, the installed apps' apps/models/admin/signals
  and template tags, the URLconf, the ASGI app). The worker's own entry points in webapp/ (webapp/worker.py,
  tasks.py, management commands) are reached by the worker or by `manage.py`, not from there.
- retrieval/ never imports ingestion/: ingestion writes into retrieval's index (ingestion → retrieval), and an
  answer waits for nothing of ingestion's.
- retrieval/contracts/ imports nothing of ours outside itself: both sides load it.

The last test starts a web process and looks at what it really loaded, heavy libraries included.
"""

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("webapp", "ingestion", "retrieval")
WORKER_PACKAGES = ("ingestion", "retrieval")
CONTRACTS = "retrieval.contracts"
# Pure functions of text and files (no model, no index, no Celery, no Redis) that the web applies exactly as the
# worker does: an upload's type is refused with the parsers' own list, the review pages count words and score
# answers with the retrieval's own tokenizer and scoring. Each is a module of the worker packages by what it is
# about; what it imports is checked like everything else the web reaches.
WEB_SHARED = {
    "ingestion.archive", "ingestion.detect", "ingestion.limits", "ingestion.parsers", "ingestion.parsers.text",
    "ingestion.parsers.unreadable", "ingestion.titles", "ingestion.types", "retrieval.answer_evaluation", "retrieval.citations", "retrieval.evaluation",
    "retrieval.lexical", "retrieval.stopwords", "retrieval.types",
}
HEAVY = ("torch", "sentence_transformers", "qdrant_client", "qdrant_edge", "llama_cpp")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")
            if "migrations" not in p.parts}


SOURCES = _sources()


def _ours(name: str) -> str | None:
    """The module of ours that `name` is, or whose attribute it is (`retrieval.contracts.events.publish`)."""
    while name and name not in SOURCES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """Our modules `module` imports anywhere in it; `from a import b` counts as a.b when b is a module."""
    path, found = SOURCES[module], set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(filter(None, [*package.split(".")[:len(package.split(".")) - node.level + 1], base]))
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found.update(filter(None, map(_ours, names)))
    return found


def _with_parents(module: str) -> set[str]:
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & SOURCES.keys()


def web_entry_points() -> set[str]:
    """What Django and uvicorn load in the web process before any request asks for more."""
    settings = ROOT / "webapp" / "settings.py"
    named = {node.value.split(":")[0] for node in ast.walk(ast.parse(settings.read_text()))
             if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.startswith("webapp.")
             and "*" not in node.value}  # "webapp.operations.tasks.*" routes tasks by name: it loads nothing
    apps = {name.rpartition(".")[0] for name in SOURCES if name.endswith(".apps")}
    loaded = {f"{app}.{part}" for app in apps for part in ("apps", "models", "admin", "signals")}
    tags = {name for name in SOURCES if ".templatetags." in name}
    return {m for m in map(_ours, named | loaded | tags | {"webapp.asgi", "webapp.urls", "webapp.settings"}) if m}


def web_reachable() -> dict[str, str]:
    """Every module of ours the web process can import, each with the module that first brings it in."""
    seen = {module: "(entry point)" for start in web_entry_points() for module in _with_parents(start)}
    todo = list(seen)
    while todo:
        module = todo.pop()
        for found in imports_of(module):
            for reached in _with_parents(found):
                if reached not in seen:
                    seen[reached] = module
                    todo.append(reached)
    return seen


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_web_process_reaches_no_worker_module_but_the_contracts():
    reached = web_reachable()
    assert "webapp.urls" in reached and "webapp.chat.relay" in reached  # the walk does reach the web's modules
    wrong = [f"{module} (imported by {by})" for module, by in sorted(reached.items())
             if module.split(".")[0] in WORKER_PACKAGES and module not in WORKER_PACKAGES
             and not _in(module, CONTRACTS) and module not in WEB_SHARED]
    assert wrong == [], "the web process would import worker code:\n" + "\n".join(wrong)


def test_retrieval_never_imports_ingestion():
    wrong = [f"{module} imports {found}" for module in SOURCES if _in(module, "retrieval")
             for found in sorted(imports_of(module)) if _in(found, "ingestion")]
    assert wrong == [], "\n".join(wrong)


def test_the_contracts_import_nothing_of_ours_outside_them():
    wrong = [f"{module} imports {found}" for module in SOURCES if _in(module, CONTRACTS)
             for found in sorted(imports_of(module)) if not _in(found, CONTRACTS) and found != "retrieval"]
    assert wrong == [], "\n".join(wrong)


def test_the_check_sees_an_import_inside_a_function():
    """The worker's life-cycle module imports the model loaders only inside its functions."""
    assert "retrieval.components" in imports_of("webapp.worker")
    assert "webapp.worker" not in web_reachable()


def test_the_web_process_imports_no_torch_no_model_and_no_worker_module():
    code = ("import django, sys; django.setup(); import webapp.asgi, webapp.urls, webapp.api.api; "
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            f"{HEAVY + WORKER_PACKAGES!r})))")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    loaded = out.stdout.split()
    assert [m for m in loaded if m.split(".")[0] in HEAVY] == [], out.stderr
    worker = [m for m in loaded if m not in WORKER_PACKAGES and not _in(m, CONTRACTS) and m not in WEB_SHARED]
    assert worker == [], worker
