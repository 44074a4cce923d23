"""The MCP server at /mcp, driven by the `mcp` package's own streamable HTTP client against the live app: the
same bearer tokens as /api/v1, and the same permissions (a passage of a collection the caller may not read never
comes back)."""

import asyncio
import json

import httpx
import pytest
from django.contrib.auth.models import Group, User
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import api_client, uploaded
from webapp.accounts.models import ApiToken
from webapp.documents.models import Collection

pytestmark = pytest.mark.django_db(transaction=True)

HANDBOOK = "Vacation: every employee has twenty-five vacation days per year, booked in the staff portal."
BOARD = "Vacation of the executive board: forty vacation days per year, decided by the shareholders."


def call(web: str, token: str | None, action):
    """Run `action(session)` in an initialized MCP client session; its result."""

    async def run():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        async with httpx.AsyncClient(headers=headers, timeout=120) as http:
            async with streamable_http_client(f"{web}/mcp", http_client=http) as (read, write, _):
                async with ClientSession(read, write) as session:
                    await session.initialize()
                    return await action(session)

    return asyncio.run(asyncio.wait_for(run(), timeout=180))


def token_of(user, scopes: list[str] | None = None) -> str:
    return ApiToken.issue(user=user, scopes=scopes)[1]


@pytest.fixture
def documents(web, worker, alice, handbook):
    """A handbook passage alice may read and a board passage she may not (uploaded by a superuser)."""
    board = Collection.objects.create(name="board")
    board.groups.add(Group.objects.create(name="board-members"))
    root = User.objects.create_user("root", password="root-password", is_staff=True, is_superuser=True)
    with api_client(web, root) as client:
        return uploaded(client, "handbook.txt", HANDBOOK), uploaded(client, "board.txt", BOARD, collection="board")


def structured(result) -> dict:
    assert not result.isError, result.content
    return result.structuredContent


def test_the_tools_are_listed_with_their_input_schemas(web, alice):
    tools = call(web, token_of(alice), lambda session: session.list_tools()).tools
    by_name = {tool.name: tool for tool in tools}
    assert set(by_name) == {"search", "ask", "list_collections"}
    assert by_name["search"].inputSchema["required"] == ["query"]
    assert by_name["ask"].inputSchema["required"] == ["question"]


def test_search_finds_a_readable_passage_and_never_one_of_another_collection(web, alice, documents):
    handbook_doc, board_doc = documents
    found = structured(call(web, token_of(alice), lambda s: s.call_tool("search", {"query": "vacation days per year"})))
    ids = {p["document_id"] for p in found["passages"]}
    assert handbook_doc.pk in ids and board_doc.pk not in ids
    passage = next(p for p in found["passages"] if p["document_id"] == handbook_doc.pk)
    assert "twenty-five" in passage["text"] and passage["title"] == handbook_doc.title
    assert passage["url"].startswith(f"{web}/documents/{handbook_doc.pk}/?chunk=")
    assert passage["original_url"] == f"{web}/documents/{handbook_doc.pk}/original"
    assert httpx.get(passage["url"]).status_code in (200, 302)  # a real page (a login first)


@pytest.fixture(scope="module")
def gemma_web(stack_env, tmp_path_factory):
    """A stack answering with the default model (Gemma 3 270M): the tiny test model writes no citations."""
    from tests import services

    folder = tmp_path_factory.mktemp("mcp-gemma")
    with services.Stack(stack_env, folder, "mcp-gemma", LLM_MODEL_PATH="", LLM_CONTEXT_SIZE="4096",
                        ANSWER_ONE_LINE="true") as stack:
        yield stack.url


def test_ask_answers_with_citations_to_the_readable_document(gemma_web, alice, handbook):
    board = Collection.objects.create(name="board")
    board.groups.add(Group.objects.create(name="board-members"))
    root = User.objects.create_user("root", password="root-password", is_staff=True, is_superuser=True)
    with api_client(gemma_web, root) as client:
        handbook_doc = uploaded(client, "handbook.txt", HANDBOOK)
        uploaded(client, "board.txt", BOARD, collection="board")

    answer = structured(call(gemma_web, token_of(alice), lambda s: s.call_tool(
        "ask", {"question": "How many vacation days per year does an employee have?"})))

    assert answer["answer"] and answer["message_id"] and answer["conversation_id"]
    assert answer["citations"], answer
    assert {c["document_id"] for c in answer["citations"]} == {handbook_doc.pk}
    assert all(c["n"] >= 1 and c["url"].startswith(f"{gemma_web}/documents/{handbook_doc.pk}/") for c in answer["citations"])
    assert "forty" not in answer["answer"]


def test_list_collections_shows_only_what_the_caller_may_read(web, alice, documents):
    result = structured(call(web, token_of(alice), lambda s: s.call_tool("list_collections", {})))
    assert [(c["name"], c["documents"]) for c in result["result"]] == [("handbook", 1)]


def test_a_service_error_is_the_tools_error_with_its_message(web, alice):
    result = call(web, token_of(alice), lambda s: s.call_tool("search", {"query": "vacation", "collection": "nope"}))
    assert result.isError and "No collection named 'nope'" in result.content[0].text


@pytest.mark.parametrize("authorization", [None, "Bearer acv_not-a-token", "Token acv_whatever"])
def test_without_a_valid_bearer_token_it_is_401(web, alice, authorization):
    headers = {"Accept": "application/json, text/event-stream", **({"Authorization": authorization} if authorization else {})}
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}
    response = httpx.post(f"{web}/mcp", json=initialize, headers=headers)
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "unauthorized"


def test_the_client_is_refused_without_a_token(web):
    with pytest.raises(Exception) as refused:  # the SDK raises the HTTP error, wrapped in its task group
        call(web, None, lambda session: session.list_tools())
    assert "401" in repr(refused.value) or "401" in str(getattr(refused.value, "exceptions", ""))


def test_a_token_without_the_chat_scope_is_403(web, alice):
    token = token_of(alice, scopes=["documents"])
    response = httpx.post(f"{web}/mcp", json={}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403 and json.loads(response.text)["error"]["code"] == "forbidden"
