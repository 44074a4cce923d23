"""The Celery app. Workers run `celery -A webapp worker`; the web process only enqueues."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "webapp.settings")

app = Celery("acervo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["ingestion", "retrieval"])

import webapp.worker  # noqa: E402,F401  (connects the worker's life-cycle signals)
