"""Optional OpenTelemetry traces (TRACING): a question's web request, its Celery task, the index search and the model's
generation as one trace, across processes.

The code records spans through the OpenTelemetry API only; TRACING picks where they go, once per process:
- off (default): nowhere, at no cost (the API's no-op tracer);
- file: one JSON object per span appended to TRACING_FILE, by every process (offline; a collector can tail it);
- otlp: to an OTLP/HTTP endpoint configured the standard way (OTEL_EXPORTER_OTLP_ENDPOINT…); needs
  `pip install opentelemetry-exporter-otlp-proto-http`, not installed by default.
The trace context crosses to the worker in the task message's headers (W3C `traceparent`), next to the request id.
"""

import threading
from contextlib import contextmanager

from opentelemetry import context, propagate, trace

_lock = threading.Lock()
_tracer: trace.Tracer | None = None


def tracer() -> trace.Tracer:
    global _tracer
    if _tracer is None:
        with _lock:
            if _tracer is None:
                _tracer = _configured()
    return _tracer


def _configured() -> trace.Tracer:
    from django.conf import settings

    if settings.TRACING == "off":
        return trace.NoOpTracer()
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": "acervo"}))
    provider.add_span_processor(BatchSpanProcessor(_exporter(settings)))
    trace.set_tracer_provider(provider)
    return trace.get_tracer("acervo")


def _exporter(settings):
    match settings.TRACING:
        case "file":
            from opentelemetry.sdk.trace.export import ConsoleSpanExporter

            out = open(settings.TRACING_FILE, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 (open for the process)
            return ConsoleSpanExporter(out=out, formatter=lambda span: span.to_json(indent=None) + "\n")
        case "otlp":
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            return OTLPSpanExporter()
    raise ValueError(settings.TRACING)


@contextmanager
def span(name: str, **attributes):
    """A child of the current span (if any) around the block."""
    with tracer().start_as_current_span(name, attributes=attributes or None) as current:
        yield current


def inject(headers: dict) -> None:
    """Put the current trace context in a task message's headers."""
    propagate.inject(headers)


def task_started(name: str, carrier: dict):
    """Open the task's span as a child of the sender's trace; returns what `task_ended` needs."""
    if isinstance(tracer(), trace.NoOpTracer):
        return None
    started = tracer().start_span(f"celery.task {name}", context=propagate.extract(carrier),
                                  kind=trace.SpanKind.CONSUMER)
    return started, context.attach(trace.set_span_in_context(started))


def task_ended(opened) -> None:
    if opened is not None:
        started, token = opened
        context.detach(token)
        started.end()
