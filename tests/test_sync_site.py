"""A website or sitemap imported and re-crawled through the real worker, against a site the test serves on
loopback (tests/site.py; a stand-in for an intranet: no real site is reachable here)."""

import pytest

from tests.site import Site, page
from tests.sync import document_of, entries, found, new_source, sync_now
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)

ROBOTS = "User-agent: *\nDisallow: /private/\n"


def intranet() -> dict[str, str]:
    return {
        "/robots.txt": ROBOTS,
        "/": page("Intranet", "Welcome to the company intranet.", ("/vacation", "/travel", "/private/salaries",
                                                                   "/deep/1", "#top", "mailto:hr@example.com")),
        "/vacation": page("Vacation", "Every employee has thirty days of paid vacation per year.", ("/",)),
        "/travel": page("Travel", "Travel expenses are reimbursed within ten business days.", ("/",)),
        "/private/salaries": page("Salaries", "Executive salaries rise twelve percent next year."),
        "/deep/1": page("Deep one", "The first level below the home page.", ("/deep/2",)),
        "/deep/2": page("Deep two", "The second level below the home page.", ("/deep/3",)),
        "/deep/3": page("Deep three", "The parking garage opens at six in the morning."),
    }


def test_a_site_is_crawled_within_its_limits_and_robots_txt(alice_api, alice, handbook):
    with Site(intranet()) as site:
        source, run = new_source(alice, handbook, f"{site.url}/", kind="site", max_depth=2, max_pages=50)
    assert run.outcome == "done", (run.error_code, run.error_params)
    assert {key.removeprefix(site.url) for key in source.items.values_list("key", flat=True)} == {
        "/", "/vacation", "/travel", "/deep/1", "/deep/2"}
    assert "/private/salaries" not in site.requests and "/deep/3" not in site.requests
    assert "Vacation" in found(alice_api, "paid vacation days")
    assert not Document.objects.filter(title="Salaries").exists()
    assert "Salaries" not in found(alice_api, "executive salaries twelve percent")


def test_the_page_count_limit_holds(alice_api, alice, handbook):
    with Site(intranet()) as site:
        source, run = new_source(alice, handbook, f"{site.url}/", kind="site", max_depth=5, max_pages=2)
    assert run.added == 2 and source.items.count() == 2


def test_a_recrawl_reingests_changed_pages_and_removes_gone_ones(alice_api, alice, handbook):
    with Site(intranet()) as site:
        source, _ = new_source(alice, handbook, f"{site.url}/", kind="site", max_depth=1)
        vacation, travel = document_of(source, f"{site.url}/vacation"), document_of(source, f"{site.url}/travel")
        site.pages["/vacation"] = page("Vacation", "Every employee has forty days of paid leave per year.", ("/",))
        del site.pages["/travel"]
        site.requests.clear()
        run = sync_now(source)
    assert entries(run) == {("updated", f"{site.url}/vacation", ""), ("removed", f"{site.url}/travel", "")}
    assert run.unchanged == 2  # the home page and /deep/1 answered 304 Not Modified
    changed = Document.objects.get(pk=vacation.pk)
    assert changed.revision == vacation.revision + 1 and "forty days" in changed.extracted_text
    assert not Document.objects.filter(pk=travel.pk).exists()
    assert "Vacation" in found(alice_api, "forty days of paid leave")
    assert "Travel" not in found(alice_api, "travel expenses reimbursed")


def test_a_sitemap_lists_the_pages_to_import(alice_api, alice, handbook):
    pages = intranet()
    with Site(pages) as site:
        site.pages["/sitemap.xml"] = (
            '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<url><loc>{site.url}/vacation</loc></url><url><loc>{site.url}/private/salaries</loc></url>"
            f"<url><loc>https://elsewhere.example/page</loc></url></urlset>")
        source, run = new_source(alice, handbook, f"{site.url}/sitemap.xml", kind="site", max_depth=0)
    assert entries(run) == {("added", f"{site.url}/vacation", "")}
    assert "/private/salaries" not in site.requests


def test_an_unreachable_site_fails_the_run_and_removes_nothing(alice_api, alice, handbook):
    with Site(intranet()) as site:
        source, _ = new_source(alice, handbook, f"{site.url}/", kind="site", max_depth=1)
    count = source.items.count()
    run = sync_now(source)  # the site has stopped
    assert (run.outcome, run.error_code, run.removed) == ("failed", "site_unreachable", 0)
    assert source.items.count() == count and count > 0
