"""Life of a worker process: warm the models, report a heartbeat, end the answers of workers that stopped
(retrieval.sweep), apply the retention periods (webapp.audit.retention), release the index on shutdown.

The heartbeat is how the web knows a worker is alive (for /readyz and for 503s) without a round
trip through the broker. It carries what the worker loaded, so the web can explain search-only mode.
"""

import logging
import os
import sys
import threading

from celery.signals import worker_ready, worker_shutdown

log = logging.getLogger(__name__)
BEAT_EVERY_S = 3.0
# Answers whose worker stopped are looked for every this many beats (retrieval.sweep).
SWEEP_EVERY_BEATS = 3
# How long a thread may keep the GIL when another wants it (Python's default: 5 ms). The worker's threads mix
# Python (parsing, the ORM, streaming tokens) with native work that releases the GIL (the embedder's matrix
# products, llama.cpp): a thread back from native code waited up to 5 ms for the GIL after every matrix
# product while another ran Python, so two ingests ran nearly one after the other. bench/ingest.py --skip-big
# --rounds 5, quiet 2-core machine: ratio_to_raw_encode 0.828 at 5 ms, 0.910 at 1 ms, 0.892 at 0.5 ms.
GIL_SWITCH_S = 0.001
_stop = threading.Event()
_status: dict = {"ready": False, "llm": "loading", "index": "loading", "embedding": "loading"}


def _name() -> str:
    from retrieval.contracts import events

    return events.worker_name()


def _warm_up() -> None:
    from retrieval import components

    try:
        embedder = components.get_embedder()
        _status["embedding"] = f"{embedder.name} ({embedder.dim}-dim)"
        index = components.get_index()
        _status["index"] = f"ok: {index.name}"
    except Exception as exc:
        log.exception("worker could not load the embedding model or the index")
        _status["index"] = f"error: {exc}"
        return
    try:
        from webapp.chat.models import ModelProfile

        llm = components.get_llm(ModelProfile.objects.filter(is_default=True).first())
        _status["llm"] = llm.describe() if llm else "none: search-only mode"
    except Exception as exc:
        log.exception("worker could not load the LLM")
        _status["llm"] = f"error: {exc}"
    _status["ready"] = True
    log.info("worker ready: %s", _status)
    _reconcile_index_versions(at_start=True)
    _rerun_evaluation_sets()


def _reconcile_index_versions(*, at_start: bool = False) -> None:
    """A changed EMBEDDING_MODEL starts a background build of a new index version (ingestion.rebuild)."""
    from django.db import connection

    from ingestion.rebuild import versions_reconcile

    try:
        versions_reconcile(at_start=at_start)
    except Exception as exc:  # database or broker away: next sweep; searches go on with the active version
        log.warning("could not check the index versions: %s", exc)
    finally:
        connection.close()  # this thread's own connection


def _review_runs_end_stale() -> None:
    from webapp.review.runs import runs_end_stale

    runs_end_stale()


def _rerun_evaluation_sets() -> None:
    """Evaluation sets last run with other retrieval settings (an embedding model changed…) run again (webapp.review)."""
    from django.db import connection

    from webapp.review.runs import sets_rerun_on_settings_change

    try:
        queued = sets_rerun_on_settings_change()
        if queued:
            log.info("retrieval settings changed: %s evaluation set runs queued", len(queued))
    except Exception as exc:  # the worker answers questions all the same
        log.warning("could not re-run evaluation sets: %s", exc)
    finally:
        connection.close()  # this thread's own connection


def _check_index() -> None:
    """A remote index can go away after warm-up; the embedded one cannot, and has no `check`. Either is the
    active index version's, read from the database on every beat."""
    if not _status["ready"]:
        return
    from django.db import connection

    from retrieval import components
    from webapp.documents.models import IndexVersion

    try:
        version = IndexVersion.objects.active()  # never adopts one: that is the warm-up's (and a search's) to do
        if version is None:
            return
        index = components.index_of(version)
    except Exception as exc:  # the database is away: the active version cannot be read
        _status["index"] = f"error: {exc}"
        return
    finally:
        connection.close()  # this thread's own connection
    check = getattr(index, "check", None)
    if check is None:
        _status["index"] = f"ok: {index.name}"  # the active version's: it changes when a build switches over
        return
    try:
        check()
        _status["index"] = f"ok: {index.name}"
    except Exception as exc:
        _status["index"] = f"error: {exc}"


def _beat_forever() -> None:
    from retrieval import sweep
    from retrieval.contracts import events

    name, beats = _name(), 0
    while not _stop.is_set():
        _check_index()
        try:
            events.beat(name, {"name": name, "pid": os.getpid(), **_status})
            sweep.renew()  # after the beat: an answer's owner is never written before its worker is alive
        except Exception as exc:  # Redis away: keep trying, the broker reconnects on its own too
            log.warning("heartbeat failed: %s", exc)
        if beats % SWEEP_EVERY_BEATS == 0:
            _sweep_answers()
            _apply_retention()
        beats += 1
        _stop.wait(BEAT_EVERY_S)


def _sweep_answers() -> None:
    from django.db import connection

    from retrieval import sweep

    try:
        sweep.answers_end_stale()
        _review_runs_end_stale()
        _reconcile_index_versions()
    except Exception as exc:  # database or Redis away: next round
        log.warning("sweep for answers of stopped workers failed: %s", exc)
    finally:
        connection.close()  # this thread's own connection; a fresh one next round


_retention: threading.Thread | None = None


def _apply_retention() -> None:
    """Old conversations, usage and audit entries go (webapp.audit.retention); one worker per period does it, in a
    thread of its own: a first run on a year of history may take longer than a heartbeat may wait."""
    global _retention
    if _retention is None or not _retention.is_alive():
        _retention = threading.Thread(target=_retention_run, name="retention", daemon=True)
        _retention.start()


def _retention_run() -> None:
    from django.db import connection

    from webapp.audit.retention import retention_tick

    try:
        retention_tick()
    except Exception as exc:  # database or Redis away: next round
        log.warning("retention failed: %s", exc)
    finally:
        connection.close()


@worker_ready.connect
def _on_ready(**_):
    sys.setswitchinterval(GIL_SWITCH_S)
    threading.Thread(target=_beat_forever, name="heartbeat", daemon=True).start()
    threading.Thread(target=_warm_up, name="warm-up", daemon=True).start()


@worker_shutdown.connect
def _on_shutdown(**_):
    from retrieval import components
    from retrieval.contracts import events

    _stop.set()
    try:
        events.forget_worker(_name())
    except Exception:
        pass
    components.close_all()
