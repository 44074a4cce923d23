"""What a browser is told to protect the pages (issue 18, item 19): a Content-Security-Policy that the pages
keep (no inline script or style element, no event-handler attribute), cookies marked Secure when asked, and API
docs for signed-in users only, with Swagger UI from our own static files. In this process."""

import re
import subprocess
import sys

import pytest
from django.test import Client

from tests.conftest import ROOT
from webapp.csp import DEFAULT_POLICY
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db
SCRIPT = re.compile(r"<script\b([^>]*)>", re.I)
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


@pytest.fixture
def staff(alice):
    client = Client()
    client.force_login(alice)
    return client


def app_pages(handbook) -> list[str]:
    document = Document.objects.create(collection=handbook, title="notes", sha256="x", extracted_text="Some text.")
    return ["/", "/documents/", f"/documents/{document.pk}/", "/documents/collections/", "/documents/dashboard/",
            "/documents/search/", "/api/v1/docs"]


def test_every_page_carries_the_policy_and_keeps_to_it(staff, handbook):
    pages = {url: staff.get(url) for url in app_pages(handbook)} | {"/accounts/login/": Client().get("/accounts/login/")}

    for url, response in pages.items():
        html = response.content.decode()
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == DEFAULT_POLICY, url
        for attributes in SCRIPT.findall(html):
            assert "src=" in attributes or "application/json" in attributes, (url, attributes)
        assert "<style" not in html, url
        assert not HANDLER.search(html), (url, HANDLER.search(html))


def test_the_api_docs_and_schema_need_a_login():
    client = Client()
    for url in ("/api/v1/docs", "/api/v1/openapi.json"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_the_api_docs_load_swagger_ui_from_this_site(staff):
    html = staff.get("/api/v1/docs").content.decode()

    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(s.endswith("swagger-ui-bundle.js") for s in sources)
    assert all(s.startswith("/") and not s.startswith("//") for s in sources), sources
    assert staff.get("/api/v1/openapi.json").status_code == 200


@pytest.mark.parametrize("value, secure", [("", False), ("true", True)])
def test_cookies_are_marked_secure_when_the_environment_says_so(value, secure, tmp_path):
    code = "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    env = {"DJANGO_SETTINGS_MODULE": "webapp.settings", "SESSION_COOKIE_SECURE": value, "PATH": "/usr/bin:/bin",
           "DATA_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", "import django; django.setup(); " + code], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(secure), str(secure)]
