"""The Celery app. Workers run `celery -A webapp worker`; the web process only enqueues, by task name.

Worker code (ingestion/, retrieval/, webapp/worker.py) is loaded only in a worker: the tasks when the worker
starts (autodiscovery), the life-cycle module named in `include`. The web process, which imports this
module to send tasks, loads neither (tests/test_layering.py).
"""

import os
import warnings

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")
# Read by libgomp when llama.cpp or torch first loads it, so set before either. OpenMP threads that spin while
# waiting at llama.cpp's per-operation barriers starve each other whenever anything else runs on the machine
# (ingestion, the web server): prompt processing measured 2.5-3x slower under load than with sleeping threads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

# Celery warns whenever a worker runs as root (as `make run` does in a container) because a root worker accepting
# pickle could be made to run code; this one accepts JSON only (Celery's default accept_content), which the warning
# itself names as the safe setting, so it would only open every worker log with a false alarm.
warnings.filterwarnings("ignore", message="You're running the worker with superuser privileges")

# `include`: modules only a worker imports, as it starts (before its ready signal): webapp.worker connects the
# worker's life-cycle signals (warm-up, heartbeat, shutdown).
app = Celery("acervo", include=["webapp.worker"])
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["ingestion", "retrieval", "webapp.operations", "webapp.catalogue"])

import webapp.observability.logs  # noqa: E402,F401  (request id in task headers and worker logs; JSON worker logs)
