"""Schemathesis against the live app, from the schema the app serves: with a bearer token and without, no
response is a server error (5xx) and every response matches the schema (status, content type, body, headers).
Bounded: a few examples per operation and a time budget per run."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import api_client, uploaded
from webapp.accounts.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = ",".join([
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance",
])
MAX_EXAMPLES = 15
MAX_TIME_S = 90


def schemathesis(web: str, folder: Path, *headers: str) -> subprocess.CompletedProcess:
    from webapp.api.api import api

    schema = folder / "openapi.json"
    schema.write_text(json.dumps(api.get_openapi_schema()))
    command = [str(Path(sys.executable).parent / "st"), "run", str(schema), "--url", web, "--checks", CHECKS,
               "--phases", "examples,coverage,fuzzing", "--max-examples", str(MAX_EXAMPLES),
               "--max-time", str(MAX_TIME_S), "--request-timeout", "60", "--seed", "17", "--no-color",
               "--generation-database", "none", "--continue-on-failure", "--workers", "1",
               *(arg for header in headers for arg in ("-H", header))]
    return subprocess.run(command, capture_output=True, text=True, timeout=MAX_TIME_S + 120, cwd=folder)


def test_with_a_token_no_server_error_and_no_response_outside_the_schema(web, worker, alice, handbook, tmp_path):
    with api_client(web, alice) as client:
        uploaded(client, "handbook.txt", "Vacation: twenty-five days per year. Expenses are reimbursed in ten days.")
    _, token = ApiToken.issue(user=alice)
    run = schemathesis(web, tmp_path, f"Authorization: Bearer {token}")
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]


def test_without_a_token_no_server_error_and_no_response_outside_the_schema(web, tmp_path):
    run = schemathesis(web, tmp_path)
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
