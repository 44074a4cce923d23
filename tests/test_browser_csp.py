"""The Content-Security-Policy blocks nothing the app's own pages need (issue 18, item 19): Chromium reports no
violation on them, their scripts run (the chat page lists conversations, the documents page its rows), and the
API docs render Swagger UI from this site."""

import pytest
from playwright.sync_api import expect

from tests.browser import browser, open_page  # noqa: F401 (fixtures)
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)


def watched(page) -> list[str]:
    """Collects the policy violations the page reports (Chromium logs them to the console)."""
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: violations.append(str(e)))
    return violations


def test_the_apps_pages_run_under_the_policy(open_page, alice, handbook):
    document = Document.objects.create(collection=handbook, title="notes", sha256="x", status="indexed",
                                       extracted_text="Some text to read.")
    page = open_page(alice)
    violations = watched(page)

    for url, ready in [("/", "#question"), ("/documents/", "#choose-files"), (f"/documents/{document.pk}/", "main"),
                       ("/documents/dashboard/", "main"), ("/documents/collections/", "main"),
                       ("/accounts/login/", "main")]:
        response = page.goto(url)
        assert "content-security-policy" in response.headers, url
        expect(page.locator(ready).first).to_be_visible()
    page.goto("/documents/")
    expect(page.locator("#document-rows tr.doc-row")).to_have_count(1)

    assert violations == []


def test_the_api_docs_render_swagger_ui_from_this_site(open_page, web, alice):
    page = open_page(alice)
    violations = watched(page)
    outside = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(web) else None)

    page.goto("/api/v1/docs")

    expect(page.locator(".swagger-ui .title").first).to_contain_text("Acervo API", timeout=20_000)
    assert outside == [] and violations == []
