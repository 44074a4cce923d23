"""A document's page in a real browser: its extracted text and chunks, and replacing it with a new version."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import PHONE, browser, open_page, upload  # noqa: F401 (fixtures)
from tests.conftest import api_client, wait_for_document
from webapp.documents.models import Chunk, Document

# Characters beyond U+FFFF count twice in the browser's strings: the highlight must still land right.
GUIDE = """# Travel guide 🧳

Trips are booked through the travel portal 🛫 at least a week ahead. Economy class is used for flights under
six hours.

# Receipts

Receipts are submitted within thirty days of returning, scanned or photographed.

# Per diem

The daily allowance is sixty reais for meals in Brazil and forty dollars abroad.
""".encode()
NEW_VERSION = b"# Travel guide\n\nFrom 2027 trips are booked by the travel agency, not the portal.\n"


@pytest.fixture
def guide(web, worker, alice, handbook):
    with api_client(web, alice) as api:
        document = wait_for_document(upload(api, "travel-guide.md", GUIDE))
    assert document.status == "indexed", document.error
    return document


def live_chunks(document: Document) -> list[Chunk]:
    return list(Chunk.objects.filter(document=document, version=document.version).order_by("ordinal"))


@pytest.mark.django_db(transaction=True)
def test_a_chunk_chosen_in_the_list_is_highlighted_in_the_extracted_text(open_page, alice, guide):
    chunks = live_chunks(guide)
    per_diem = next(c for c in chunks if "sixty reais" in c.text)
    page = open_page(alice)
    page.goto("/documents/")
    page.get_by_role("link", name="Travel guide 🧳").click()  # the document's own title, its first heading

    expect(page.get_by_role("heading", name="Travel guide 🧳")).to_be_visible()
    expect(page.get_by_role("heading", name=f"{len(chunks)} chunks")).to_be_visible()
    expect(page.locator("#chunk-list a")).to_have_count(len(chunks))
    link = page.locator(f"#chunk-{per_diem.ordinal}")
    expect(link).to_contain_text("Per diem")
    expect(link).to_contain_text(f"characters {per_diem.char_start}–{per_diem.char_end}")
    link.click()

    mark = page.locator("#extracted-text mark")
    expect(mark).to_have_text(guide.extracted_text[per_diem.char_start:per_diem.char_end])
    expect(mark).to_be_focused()
    expect(mark).to_be_in_viewport()
    expect(link).to_have_attribute("aria-current", "true")
    expect(page).to_have_url(re.compile(rf"\?chunk={per_diem.ordinal}"))
    expect(page.locator("#extracted-text")).to_have_text(guide.extracted_text)


@pytest.mark.django_db(transaction=True)
def test_a_link_to_a_chunk_opens_the_text_with_it_highlighted_on_a_phone(open_page, alice, guide):
    receipts = next(c for c in live_chunks(guide) if "Receipts are" in c.text)
    page = open_page(alice, viewport=PHONE)
    page.goto(f"/documents/{guide.pk}/?chunk={receipts.ordinal}")
    expect(page.locator("#extracted-text mark")).to_have_text(guide.extracted_text[receipts.char_start:receipts.char_end])
    expect(page.locator(f"#chunk-{receipts.ordinal}")).to_have_attribute("aria-current", "true")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.django_db(transaction=True)
def test_a_new_version_uploaded_on_the_documents_page_replaces_the_old_one(open_page, alice, guide):
    page = open_page(alice)
    page.goto("/documents/")
    row = page.locator("#document-rows tr.doc-row", has_text="travel-guide")
    with page.expect_file_chooser() as chooser:
        row.get_by_role("button", name="Replace: Travel guide 🧳").click()
    chooser.value.set_files([{"name": "travel-guide-2027.md", "mimeType": "text/markdown", "buffer": NEW_VERSION}])

    expect(row.locator(".status-pill")).to_have_text("indexed", timeout=60_000)
    document = Document.objects.get(pk=guide.pk)
    assert document.version > guide.version and "travel agency" in document.extracted_text
    assert all("sixty reais" not in c.text for c in live_chunks(document))
    expect(row.locator(".doc-chunks")).to_have_text(str(document.chunk_count))


@pytest.mark.django_db(transaction=True)
def test_a_new_version_from_the_documents_own_page_says_it_is_being_indexed(open_page, alice, guide):
    page = open_page(alice)
    page.goto(f"/documents/{guide.pk}/")
    page.get_by_label("Replace with a new version").set_input_files(
        {"name": "travel-guide-2027.md", "mimeType": "text/markdown", "buffer": NEW_VERSION})
    page.get_by_role("button", name="Upload new version").click()
    expect(page.get_by_role("status").first).to_contain_text("A new version of “Travel guide 🧳” is being indexed.")
    document = wait_for_document(guide.pk)
    assert document.status == "indexed" and document.original_name == "travel-guide-2027.md"


@pytest.mark.django_db(transaction=True)
def test_a_new_version_that_cannot_be_read_is_refused_and_the_old_one_stays(open_page, alice, guide):
    page = open_page(alice)
    page.goto(f"/documents/{guide.pk}/")
    page.get_by_label("Replace with a new version").set_input_files(
        {"name": "travel-guide.bin", "mimeType": "application/octet-stream", "buffer": bytes(range(256)) * 64})
    page.get_by_role("button", name="Upload new version").click()
    expect(page.locator(".alert.error")).to_have_text("Acervo cannot read this kind of file.")
    document = Document.objects.get(pk=guide.pk)
    assert (document.sha256, document.status, document.version) == (guide.sha256, "indexed", guide.version)
