"""The documents page: staff add files, each row follows its document until indexed or failed."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import browser, open_page  # noqa: F401 (fixtures)
from webapp.access.models import Grant
from webapp.documents.models import Collection, Document

GUIDE = b"# Expense guide\n\nReceipts are submitted within thirty days. Travel is booked through the portal.\n"
FAQ = b"Frequently asked questions.\n\nThe office opens at eight and closes at six.\n"


@pytest.mark.django_db(transaction=True)
def test_files_chosen_for_a_collection_are_followed_until_indexed(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/documents/")
    expect(page.locator("#upload-collection")).to_have_value("handbook")
    with page.expect_file_chooser() as chooser:
        page.click("#choose-files")
    chooser.value.set_files([
        {"name": "expense-guide.md", "mimeType": "text/markdown", "buffer": GUIDE},
        {"name": "faq.txt", "mimeType": "text/plain", "buffer": FAQ},
    ])

    rows = page.locator("#document-rows tr.doc-row")
    expect(rows).to_have_count(2)
    for title in ("expense-guide", "faq"):
        row = rows.filter(has_text=title)
        expect(row.locator(".status-pill")).to_have_text("indexed", timeout=60_000)
        expect(row.locator(".doc-chunks")).to_have_text(re.compile(r"^[1-9]"))
        expect(row.locator(".doc-collection")).to_have_text("handbook")
    expect(page.locator("#upload-summary")).to_contain_text("Indexed 2 of 2")
    assert set(Document.objects.values_list("status", flat=True)) == {"indexed"}

    page.reload()
    expect(rows).to_have_count(2)
    expect(rows.first.locator(".status-pill")).to_have_text("indexed")


@pytest.mark.django_db(transaction=True)
def test_files_dropped_into_a_new_collection_create_it(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/documents/")
    page.select_option("#upload-collection", "")
    page.fill("#new-collection", "finance")
    drop_files(page, {"expense-guide.md": GUIDE.decode(), "faq.txt": FAQ.decode()})

    rows = page.locator("#document-rows tr.doc-row")
    expect(rows).to_have_count(2)
    for i in range(2):
        expect(rows.nth(i).locator(".status-pill")).to_have_text("indexed", timeout=60_000)
    finance = Collection.objects.get(name="finance")
    assert dict(Grant.objects.filter(collection=finance, group__isnull=False).values_list("group__name", "role")) == {
        "leads": "reader", "team": "reader"}  # the creator's groups read it; the creator manages it
    assert Grant.objects.get(collection=finance, user=alice).role == "manager"
    expect(page.locator("#upload-collection")).to_have_value("finance")


@pytest.mark.django_db(transaction=True)
def test_a_file_that_cannot_be_indexed_says_why(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/documents/")
    with page.expect_file_chooser() as chooser:
        page.click("#choose-files")
    chooser.value.set_files([
        {"name": "empty.txt", "mimeType": "text/plain", "buffer": b""},
        {"name": "blob.bin", "mimeType": "application/octet-stream", "buffer": bytes(range(256)) * 64},
    ])

    empty = page.locator("#document-rows tr.doc-row", has_text="empty.txt")
    expect(empty.locator(".status-pill")).to_have_text("failed")
    expect(empty.locator(".doc-error")).to_have_text("The file is empty: there is nothing to index.")
    blob = page.locator("#document-rows tr.doc-row", has_text="blob")
    expect(blob.locator(".status-pill")).to_have_text("failed", timeout=60_000)
    expect(blob.locator(".doc-error")).to_have_text("Acervo cannot read this kind of file.")


@pytest.mark.django_db(transaction=True)
def test_a_failed_document_can_be_retried_then_deleted(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/documents/")
    with page.expect_file_chooser() as chooser:
        page.click("#choose-files")
    chooser.value.set_files([{"name": "broken.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" + bytes(range(256)) * 8}])
    row = page.locator("#document-rows tr.doc-row", has_text="broken")
    expect(row.locator(".status-pill")).to_have_text("failed", timeout=60_000)
    expect(row.locator(".doc-error")).not_to_be_empty()

    row.get_by_role("button", name="Retry: broken").click()
    expect(page.get_by_role("status").first).to_contain_text("is queued to be indexed again")
    expect(row.locator(".status-pill")).to_have_text("failed", timeout=60_000)

    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Delete: broken").click()
    expect(page.get_by_role("status").first).to_contain_text("was deleted")
    expect(row).to_have_count(0)
    assert not Document.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_new_collection_needs_a_name_first(open_page, alice, handbook):
    page = open_page(alice)
    page.goto("/documents/")
    page.select_option("#upload-collection", "")
    drop_files(page, {"faq.txt": FAQ.decode()})
    expect(page.locator("#upload-error")).to_contain_text("Choose a collection, or name a new one")
    expect(page.locator("#new-collection")).to_be_focused()
    expect(page.locator("#document-rows tr.doc-row")).to_have_count(0)


def drop_files(page, files: dict[str, str]) -> None:
    """Drop text files on the drop zone as a person dragging them from their desktop would."""
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, text] of Object.entries(files)) transfer.items.add(new File([text], name, {type: "text/plain"}));
            return transfer;
        }""",
        files,
    )
    page.dispatch_event("#dropzone", "dragenter", {"dataTransfer": transfer})
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
