"""Liveness and readiness. /healthz touches nothing; /readyz names what is missing."""

from django.db import connection
from django.http import JsonResponse

from retrieval.contracts import events


def healthz(request):
    return JsonResponse({"status": "ok"})


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:
        return f"error: {exc}"


def check_redis() -> str:
    try:
        events.client().ping()
        return "ok"
    except Exception as exc:
        return f"error: {exc}"


def check_workers() -> tuple[str, str, str]:
    """(worker, index, llm) as reported by the live workers' heartbeats."""
    try:
        workers = events.live_workers()
    except Exception:
        return "unknown: Redis not reachable", "unknown", "unknown"
    if not workers:
        return "missing: no worker heartbeat (start one with `make run` or `celery -A webapp worker`)", "unknown", "unknown"
    ready = [w for w in workers if w.get("ready")]
    first = (ready or workers)[0]
    worker = f"ok: {len(workers)} live" if ready else "starting: loading models"
    return worker, first.get("index", "unknown"), first.get("llm", "unknown")


def readyz(request):
    worker, index, llm = check_workers()
    checks = {"database": check_database(), "redis": check_redis(), "worker": worker, "index": index, "llm": llm}
    required = ("database", "redis", "worker", "index")
    ok = all(checks[name].startswith("ok") for name in required)
    missing = [name for name in required if not checks[name].startswith("ok")]
    return JsonResponse({"status": "ok" if ok else "unavailable", "checks": checks, "missing": missing},
                        status=200 if ok else 503)
