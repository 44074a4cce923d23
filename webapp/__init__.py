"""The Django project: settings, models, the web process (views, API, admin) and the Celery app it sends with.

The web process imports only `retrieval.contracts` from the worker packages (README, "How it works": Layout).
webapp/worker.py, every */tasks.py and the management commands are the worker's (or `manage.py`'s) entry points
living here beside the models they use; nothing the web process loads imports them (tests/test_layering.py).
"""

from webapp.celery import app as celery_app

__all__ = ["celery_app"]
