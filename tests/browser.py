"""Browser tests' helpers: Debian's Chromium driven by Playwright, pages logged in as alice, bob or
charlie, and a screenshot of every open page under screenshots/failures/ when a test fails."""

import contextlib
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "screenshots"
# The reviewers' screenshots are tracked files: only `make screenshots` (REVIEW_SCREENSHOTS=1) rewrites them; a plain
# test run writes its copies to a temporary folder, so it leaves the checkout as it found it.
REVIEW_SCREENSHOTS = SCREENSHOTS if os.environ.get("REVIEW_SCREENSHOTS") else Path(
    os.environ.get("TMPDIR", "/tmp")) / "acervo-screenshots"
REVIEW_SCREENSHOTS.mkdir(parents=True, exist_ok=True)
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 860}
PHONE = {"width": 360, "height": 740}

# The test web server serves static files with WhiteNoise, which lists STATIC_ROOT when it starts:
# collect now, while tests are being collected, before any test can start that server.
call_command("collectstatic", interactive=False, verbosity=0)


@contextlib.contextmanager
def chromium_launched():
    """Chromium, headless. Playwright's sync API keeps an asyncio loop in this thread, which Django takes for async
    code and then refuses ORM calls; the tests' ORM calls are plain sync code, so allow them while the browser is
    open. The servers under test run in other processes without it."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="module")
def browser(web, worker):
    """Chromium for one test module, with the test stack's web server and worker running."""
    with chromium_launched() as launched:
        yield launched


@pytest.fixture
def open_page(browser, web, request):
    """`open_page(user=None, viewport=DESKTOP, locale="en-US", base_url=web, timezone_id=None)`: a new browser page on the test
    server (or another one at `base_url`), logged in as `user` when given. Pages of a failed test are saved
    as screenshots/failures/<test>-<n>.png."""
    pages = []
    failed_before = request.session.testsfailed

    def open_(user=None, *, viewport=DESKTOP, locale="en-US", base_url=web, timezone_id=None):
        context = browser.new_context(base_url=base_url, viewport=viewport, locale=locale, timezone_id=timezone_id)
        if user is not None:
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session_key(user), "url": base_url}])
        page = context.new_page()
        page.set_default_timeout(20_000)
        pages.append(page)
        return page

    yield open_
    if request.session.testsfailed > failed_before:
        folder = SCREENSHOTS / "failures"
        folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for i, page in enumerate(pages):
            page.screenshot(path=str(folder / f"{name}-{i}.png"), full_page=True)
    for page in pages:
        page.context.close()


def session_key(user) -> str:
    """A real login session for `user` in the test database, which the web server shares."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def upload(api, name: str, content: bytes, collection: str = "handbook") -> int:
    response = api.post("/documents", files={"file": (name, content, "text/plain")}, data={"collection": collection})
    assert response.status_code == 202, response.text
    return response.json()["id"]


def ask(page, question: str, collection: str | None = None):
    """Type and send a question with Enter; returns the locator of the answer it starts."""
    if collection is not None:
        page.select_option("#collection", label=collection)
    page.fill("#question", question)
    page.press("#question", "Enter")
    return page.locator(".message.assistant").last


def exchange(user, question: str, *, days_ago: int = 0, collections: list[int], ttft_ms=None, finish="stop"):
    """A question and its finished answer in a new conversation of `user`, `days_ago` days back; returns the answer."""
    from datetime import timedelta

    from django.utils import timezone

    from webapp.chat.models import Conversation, Message

    conversation = Conversation.objects.create(user=user, title=question)
    asked = Message.objects.create(conversation=conversation, role="user", text=question)
    answer = Message.objects.create(conversation=conversation, role="assistant", text="…", status="done",
                                    finish_reason=finish, collections=collections,
                                    usage={"ttft_ms": ttft_ms} if ttft_ms is not None else {})
    when = timezone.now() - timedelta(days=days_ago)
    Message.objects.filter(pk__in=[asked.pk, answer.pk]).update(created_at=when)
    answer.created_at = when
    return answer


def wait_until_answered(answer, timeout: float = 60_000) -> str:
    """Until the answer has ended; returns how (done, cancelled or error)."""
    from playwright.sync_api import expect

    expect(answer).to_have_attribute("data-state", re.compile("^(done|cancelled|error)$"), timeout=timeout)
    return answer.get_attribute("data-state")
