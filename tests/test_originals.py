"""Originals are sent so that nothing in them runs on Acervo's origin: only PDFs, raster images and plain text are
shown inline, typed from their bytes; anything else is a download, and every answer forbids sniffing and scripts."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from webapp.documents.models import Document

pytestmark = pytest.mark.django_db

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + b"\x00" * 40
HTML = b"<!doctype html><html><body><script>localStorage.planted = 'html'</script>Notes</body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>localStorage.planted = "svg"</script></svg>'


def original(user, collection, name: str, content: bytes):
    document = Document(collection=collection, title=name, original_name=name, sha256=name, size_bytes=len(content))
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    client = Client()
    client.force_login(user)
    return client.get(f"/documents/{document.pk}/original")


@pytest.mark.parametrize("name, content", [
    ("notes.html", HTML), ("logo.svg", SVG), ("feed.xml", b"<?xml version='1.0'?><feed/>"), ("notes.htm", HTML),
    ("page.pdf.html", HTML), ("report.pdf", HTML),  # a name that says PDF does not make HTML one
])
def test_an_original_that_may_carry_script_is_a_sandboxed_download(bob, handbook, name, content):
    response = original(bob, handbook, name, content)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize("name, content, content_type", [
    ("policy.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf"),
    ("scan.png", PNG, "image/png"),
    ("notes.txt", "Férias: 30 dias.".encode(), "text/plain; charset=utf-8"),
    ("markup.txt", HTML, "text/plain; charset=utf-8"),  # shown as the text it is, never rendered
])
def test_pdfs_images_and_plain_text_are_shown_inline_with_their_true_type(bob, handbook, name, content, content_type):
    response = original(bob, handbook, name, content)
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response.get("Content-Security-Policy") == (None if content_type == "application/pdf" else "sandbox")
