"""Who may read /metrics, what a scrape holds without any worker, and the X-Request-ID every response carries.
In process: Django's test client, the real database and Redis."""

import pytest
from django.contrib.auth.models import User
from django.test import override_settings

from retrieval.contracts import events
from webapp import celery_app
from webapp.observability.request_id import HEADER

pytestmark = pytest.mark.django_db
TOKEN = "scrape-me-0123456789"


def test_without_a_token_setting_anonymous_callers_get_404(client):
    with override_settings(METRICS_TOKEN=""):
        assert client.get("/metrics").status_code == 404


@override_settings(METRICS_TOKEN=TOKEN)
def test_with_a_token_setting_a_missing_or_wrong_token_gets_401(client):
    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-the-token"})

    assert missing.status_code == wrong.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")


@override_settings(METRICS_TOKEN=TOKEN)
def test_the_token_gets_the_figures(client):
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})

    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    for name in ("acervo_documents{status=\"indexed\"} 0.0", "acervo_queue_depth{queue=\"ingest\"}",
                 "acervo_workers_live", "acervo_redis_up 1.0", "# TYPE acervo_answer_first_token_seconds histogram",
                 "# TYPE acervo_answers_total counter", "acervo_answers_in_progress{status=\"running\"} 0.0"):
        assert name in body, name


def test_staff_may_read_them_signed_in_and_others_may_not(client):
    with override_settings(METRICS_TOKEN=""):
        client.force_login(User.objects.create_user("reader"))
        assert client.get("/metrics").status_code == 404
        client.force_login(User.objects.create_user("admin", is_staff=True))
        assert client.get("/metrics").status_code == 200


@override_settings(METRICS_TOKEN=TOKEN)
def test_queue_depth_counts_the_tasks_waiting_in_a_queue(client):
    """The `celery` queue: the test worker (if one runs) never takes from it."""
    key = events.key("celery")
    events.client().delete(key)
    try:
        for _ in range(3):
            celery_app.send_task("retrieval.tasks.optimize_index", queue="celery")
        body = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).content.decode()
    finally:
        events.client().delete(key)
    assert 'acervo_queue_depth{queue="celery"} 3.0' in body


def test_every_response_carries_a_request_id_and_a_callers_plain_one_is_kept(client):
    made = client.get("/healthz")[HEADER]
    kept = client.get("/healthz", headers={HEADER: "lb-42.abc"})[HEADER]
    refused = client.get("/healthz", headers={HEADER: "bad id\nwith a line break"})[HEADER]

    assert len(made) == 32 and kept == "lb-42.abc"
    assert refused not in ("bad id\nwith a line break", made) and len(refused) == 32
