"""The review loop in a real browser, answers and runs from the real worker: a thumbs-down answer is in the review
queue with the passages and prompt it used → one click makes it a regression case → the set runs with two profiles
in the worker → the comparison shows them side by side → one becomes the default on that run's evidence."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import ask, browser, open_page, upload, wait_until_answered  # noqa: F401 (fixtures)
from tests.conftest import api_client, wait_for_document
from webapp.chat.models import ModelProfile
from webapp.review.models import ProfileSwitch, PromptRecord, RegressionCase, SetRun

POLICY = b"# Vacation policy\n\nEvery employee has thirty days of paid vacation per year, booked in the HR portal.\n"
INTERNS = b"# Internships\n\nInterns receive a monthly stipend and fifteen days of recess after a year.\n"


@pytest.fixture
def answered(web, worker, open_page, alice, handbook):
    ModelProfile.objects.create(name="small", is_default=True, max_tokens=24)
    ModelProfile.objects.create(name="tiny-greedy", max_tokens=8)
    with api_client(web, alice) as api:
        documents = [wait_for_document(upload(api, name, text))
                     for name, text in (("vacation-policy.md", POLICY), ("internships.md", INTERNS))]
    assert all(d.status == "indexed" for d in documents), [d.error for d in documents]
    page = open_page(alice)
    page.goto("/")
    answer = ask(page, "How many vacation days do employees get?", collection="handbook")
    assert wait_until_answered(answer) == "done"
    answer.get_by_role("button", name="Bad answer").click()
    answer.get_by_role("button", name="Send feedback").click()
    expect(answer.locator(".feedback-thanks")).to_be_visible()
    return page


@pytest.mark.django_db(transaction=True)
def test_a_disliked_answer_becomes_a_regression_case_that_runs_and_compares_profiles(answered):
    page = answered
    page.goto("/review/")
    row = page.locator(".review-row").filter(has_text="How many vacation days do employees get?")
    expect(row).to_contain_text("thumbs down")
    row.get_by_role("link").click()

    expect(page.locator(".review-query")).to_have_text("How many vacation days do employees get?")
    passage = page.locator(".review-passage").filter(has_text="thirty days of paid vacation")
    expect(passage).to_contain_text(re.compile(r"score \d\.\d{4}"))
    if PromptRecord.objects.exists():  # a refused answer never reached the model: nothing was sent
        page.get_by_text("Prompt sent to the model").click()
        expect(page.locator(".review-prompt")).to_contain_text("thirty days of paid vacation")
    page.get_by_label("Search the collection for another expected passage").fill("interns stipend recess")
    page.get_by_role("button", name="Search", exact=True).click()
    found = page.locator(".found-passage").filter(has_text="monthly stipend")
    found.get_by_role("checkbox").check()
    passage = page.locator(".review-passage").filter(has_text="thirty days of paid vacation").first
    passage.get_by_role("checkbox").check()
    page.get_by_label("Expected answer").fill("thirty days")
    page.get_by_role("button", name="Add regression case").click()

    expect(page.locator(".alert")).to_contain_text("Regression case added to the evaluation set of handbook")
    expect(page.locator(".case-item")).to_contain_text("thirty days")
    expected = RegressionCase.objects.get().expected_passages
    assert ["thirty days" in p["text"] for p in expected] == [True, False] and "stipend" in expected[1]["text"]
    assert all(p["chunk_id"] for p in expected)

    page.get_by_role("button", name="Run now").click()
    expect(page.locator(".alert")).to_contain_text("Run queued")
    table = page.locator("table.comparison-table")
    expect(table.locator("thead th")).to_have_text(
        ["Figure", re.compile(r"^small default"), re.compile(r"^tiny-greedy")], timeout=120_000)
    expect(page.locator(".run-status")).to_have_text(["done", "done"], timeout=120_000)
    found = table.locator("tbody tr").filter(has_text="Expected passages found").locator("td")  # 1 or 2 of 2
    expect(found).to_have_text([re.compile(r"^(50|100)%$")] * 2)
    expect(table.locator("tbody tr").filter(has_text="Since the previous run").locator("td")).to_have_text(
        ["first run", "first run"])
    # none for "refused when they should" (no such case); speed ones only when the model was called
    expect(page.locator(".chart-grid figcaption").first).to_have_text("Expected passages found")
    assert 3 <= page.locator(".chart-grid figure").count() <= 5
    assert {r.status for r in SetRun.objects.all()} == {"done"} and SetRun.objects.count() == 2

    page.get_by_role("button", name="Make tiny-greedy the default").click()
    expect(page.locator(".alert")).to_contain_text("tiny-greedy is now the default profile.")
    expect(page.locator(".switch-item")).to_contain_text("alice switched from small to tiny-greedy on the evidence of run #")
    switch = ProfileSwitch.objects.get()
    assert switch.run.profile_name == "tiny-greedy" and ModelProfile.objects.get(is_default=True).name == "tiny-greedy"
