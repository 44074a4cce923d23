"""The OpenAI-compatible and MCP doors: their answers are recorded with their surface, and they are held to the same
quotas. The real web server, worker and MCP client, as tests/test_mcp.py and the OpenAI tests drive them."""

import httpx
import pytest

from tests.conftest import api_client, uploaded
from tests.test_mcp import call, token_of
from webapp.audit.models import AuditEntry
from webapp.usage.models import AnswerUsage, GroupQuota

pytestmark = pytest.mark.django_db(transaction=True)
HANDBOOK = "# Handbook\n\n## Vacation\nEvery employee has 30 calendar days of paid vacation per year.\n"


def test_mcp_answers_count_as_mcp_and_the_quota_refuses_the_next_in_words(web, worker, alice, handbook, team):
    with api_client(web, alice) as client:
        uploaded(client, "handbook.md", HANDBOOK)
    GroupQuota.objects.create(group=team, member_questions_per_minute=1)
    token = token_of(alice)
    first = call(web, token, lambda s: s.call_tool("ask", {"question": "How many vacation days?"}))
    assert not first.isError, first.content
    usage = AnswerUsage.objects.get(user=alice)
    assert usage.surface == "mcp"
    assert AuditEntry.objects.get(kind=AuditEntry.Kind.ANSWER, object_id=str(usage.message_id)).surface == "mcp"
    second = call(web, token, lambda s: s.call_tool("ask", {"question": "And per month?"}))
    assert second.isError and "You can ask again at" in second.content[0].text


def test_openai_answers_count_as_openai_and_the_quota_refuses_the_next_with_retry_after(web, worker, alice, handbook, team):
    with api_client(web, alice) as client:
        uploaded(client, "handbook.md", HANDBOOK)
    GroupQuota.objects.create(group=team, member_questions_per_minute=1)
    body = {"model": "acervo", "max_tokens": 8, "messages": [{"role": "user", "content": "How many vacation days?"}]}
    with httpx.Client(base_url=web, headers={"Authorization": f"Bearer {token_of(alice)}"}, timeout=120) as client:
        first = client.post("/v1/chat/completions", json=body)
        assert first.status_code == 200, first.text
        second = client.post("/v1/chat/completions", json=body)
    usage = AnswerUsage.objects.get(user=alice)
    assert usage.surface == "openai"
    assert AuditEntry.objects.get(kind=AuditEntry.Kind.ANSWER, object_id=str(usage.message_id)).surface == "openai"
    assert second.status_code == 429 and second.json()["error"]["code"] == "quota_exceeded"
    assert 1 <= int(second.headers["retry-after"]) <= 60 and second.headers["x-quota-scope"] == "user"
