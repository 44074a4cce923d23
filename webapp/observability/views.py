"""GET /metrics in Prometheus's text format, for a scraper holding METRICS_TOKEN or a signed-in staff member.

- `Authorization: Bearer <METRICS_TOKEN>` or a staff session: 200;
- METRICS_TOKEN set, anything else: 401 with `WWW-Authenticate: Bearer` (a scraper with a wrong token learns it);
- METRICS_TOKEN empty and no staff session: 404, as if the page did not exist (nothing to authenticate against).
"""

import hmac

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from webapp.observability.collector import AcervoCollector

WRONG_TOKEN = "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>."


def _bearer_ok(request) -> bool:
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    return bool(token) and sent.startswith("Bearer ") and hmac.compare_digest(sent[7:].strip().encode(), token.encode())


def metrics(request):
    if not (_bearer_ok(request) or (request.user.is_authenticated and request.user.is_staff)):
        if not settings.METRICS_TOKEN:
            return HttpResponse("Not found.", status=404, content_type="text/plain")
        response = HttpResponse(WRONG_TOKEN, status=401, content_type="text/plain")
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    registry = CollectorRegistry(auto_describe=False)
    registry.register(AcervoCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
