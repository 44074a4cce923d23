"""A planted original cannot run script in a reader's session: opening an uploaded HTML page or SVG drawing (or HTML
named .txt) never runs what is in it, on Acervo's origin or anywhere."""

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser import browser, open_page, upload  # noqa: F401 (fixtures)
from tests.conftest import api_client

# What a planted file would do in the reader's session: mark the origin's storage, call the API, retitle the page.
SCRIPT = ("localStorage.setItem('planted', '{kind}'); document.title = 'planted'; "
          "fetch('/api/v1/documents?planted={kind}')")
PLANTS = {
    "page.html": "<!doctype html><html><head><title>Notes</title></head><body><p>Onboarding notes.</p>"
                 "<script>{script}</script><img src=x onerror=\"{script}\"></body></html>",
    "drawing.svg": '<svg xmlns="http://www.w3.org/2000/svg" onload="{script}"><script>{script}</script>'
                   '<text x="10" y="20">Floor plan</text></svg>',
    "markup.txt": "<html><body><p>Notes</p><script>{script}</script></body></html>",
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", sorted(PLANTS))
def test_opening_a_planted_original_runs_none_of_its_script(web, open_page, alice, bob, handbook, name):
    with api_client(web, alice) as api:
        document_id = upload(api, name, PLANTS[name].format(script=SCRIPT.format(kind=name)).encode())
    page = open_page(bob)
    planted_calls = []
    page.context.on("request", lambda request: planted_calls.append(request.url) if "planted=" in request.url else None)
    page.goto("/")
    try:
        page.goto(f"/documents/{document_id}/original")
    except PlaywrightError as exc:  # sent as an attachment: the browser downloads it instead of opening it
        assert "Download is starting" in str(exc)
    assert page.title() != "planted"
    page.goto("/")
    assert page.evaluate("localStorage.getItem('planted')") is None
    assert planted_calls == []
