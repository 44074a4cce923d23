"""The API tokens page in a real browser (issue 19): reached from the top bar, a token made, shown once, used
against the API, then revoked with its button; no Content-Security-Policy violation, and the page fits a phone."""

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, REVIEW_SCREENSHOTS, browser, open_page  # noqa: F401 (fixtures)
from webapp.accounts.models import ApiToken

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_user_makes_uses_and_revokes_a_token(open_page, web, bob, handbook):
    page = open_page(bob)
    violations = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto("/")

    page.get_by_role("link", name="Account").click()
    page.get_by_label("Name").fill("intranet bot")
    page.get_by_label("search — Search passages").check()
    page.get_by_label("Expires after").select_option("30")
    page.get_by_role("button", name="Create token").click()

    raw = page.locator("#new-token").input_value()
    page.screenshot(path=str(REVIEW_SCREENSHOTS / "account-tokens-created.png"), full_page=True)
    search = httpx.post(f"{web}/api/v1/search", json={"query": "férias"}, headers={"Authorization": f"Bearer {raw}"})
    assert search.status_code == 200, search.text
    page.goto("/account/tokens/")
    row = page.locator("tr", has_text="intranet bot")
    expect(row).to_contain_text("127.0.0.1")
    assert raw not in page.content()

    row.get_by_role("button", name="Revoke").click()

    expect(page.locator("tr", has_text="intranet bot")).to_contain_text("revoked")
    assert ApiToken.objects.get(user=bob).state == "revoked"
    assert not violations


def test_the_page_fits_a_phone_in_portuguese(open_page, bob):
    page = open_page(bob, locale="pt-BR", viewport=PHONE)

    page.goto("/account/tokens/")

    expect(page.get_by_role("heading", name="Tokens de API", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(REVIEW_SCREENSHOTS / "account-tokens-phone.png"), full_page=True)
