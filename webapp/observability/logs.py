"""LOG_FORMAT=json: one JSON object per line (time, level, logger, message, request_id, process, exception), for a
log collector; text stays the default for a person reading `make run`. Both web and worker log this way: the web
through Django's LOGGING, the worker by adopting the same formatter and filter on Celery's handlers.
"""

import json
import logging
from datetime import UTC, datetime

from celery.signals import after_setup_logger, after_setup_task_logger

from webapp.observability.request_id import RequestIdFilter

EXTRA_FIELDS = ("task_id",)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "process": record.process,
        }
        entry |= {name: getattr(record, name) for name in EXTRA_FIELDS if hasattr(record, name)}
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def logging_config(log_format: str, level: str) -> dict:
    """Django's LOGGING for the chosen format; the request id rides on every record either way."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "webapp.observability.request_id.RequestIdFilter"}},
        "formatters": {"json": {"()": "webapp.observability.logs.JsonFormatter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"],
                                 **({"formatter": "json"} if log_format == "json" else {})}},
        "root": {"handlers": ["console"], "level": level},
    }


@after_setup_logger.connect
@after_setup_task_logger.connect
def _celery_handlers(logger=None, **_):
    """Celery sets up the worker's own handlers (it redirects print, names the task in task logs): keep them, add
    the request id, and switch them to JSON when asked."""
    from django.conf import settings

    for handler in logger.handlers:
        handler.addFilter(RequestIdFilter())
        if settings.LOG_FORMAT == "json":
            handler.setFormatter(JsonFormatter())
