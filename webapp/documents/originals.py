"""How a stored original goes to the browser, so that a planted file never runs script on Acervo's origin.

An original is whatever someone uploaded. An HTML page, an SVG or an XML file may carry script that, shown inline
from our origin, would run in the reader's session (read the CSRF cookie, call the API as them). So only what a
browser shows without running anything is sent inline, typed from its bytes (never from its name): PDFs, raster
images, and plain text under a plain-text name. Everything else is an attachment typed application/octet-stream.

Every response carries `X-Content-Type-Options: nosniff` (the browser never guesses HTML from the bytes) and, except
PDFs, `Content-Security-Policy: sandbox` (should a browser render it anyway: an opaque origin where no script runs).
PDFs are left out of the sandbox because browsers refuse to open their PDF viewer in a sandboxed document; a PDF's
own scripts run in the viewer, never in the page's origin.
"""

import codecs
from pathlib import PurePath

from django.http import FileResponse

from webapp.documents.models import Document

HEAD_BYTES = 8192
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}  # no SVG: it is a document
TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown", ".csv", ".tsv", ".log"}
ATTACHMENT_TYPE = "application/octet-stream"
SANDBOX = "sandbox"


def original_response(document: Document) -> FileResponse:
    """The document's stored original as a response that is safe to open whatever it contains."""
    name = document.original_name or PurePath(document.file.name).name
    stream = document.file.open("rb")
    head = stream.read(HEAD_BYTES)
    stream.seek(0)
    content_type = inline_type(head, name)
    response = FileResponse(stream, as_attachment=content_type is None, filename=name,
                            content_type=content_type or ATTACHMENT_TYPE)
    response["X-Content-Type-Options"] = "nosniff"
    if content_type != "application/pdf":
        response["Content-Security-Policy"] = SANDBOX
    else:
        response.csp_exempt = True  # the site's policy (object-src 'none') would keep the PDF viewer from opening it
    return response


def inline_type(head: bytes, name: str) -> str | None:
    """The type to show a file inline with, from its first bytes; None when it must be downloaded instead."""
    import filetype  # magic numbers, as ingestion's type detection uses

    if b"%PDF-" in head[:1024]:  # as ingestion detects a PDF: readers allow a little junk before the header
        return "application/pdf"
    guess = filetype.guess(head)
    if guess is not None:
        return guess.mime if guess.mime in IMAGE_TYPES else None
    if PurePath(name).suffix.lower() in TEXT_SUFFIXES and b"\x00" not in head:
        return "text/plain; charset=utf-8" if _utf8(head) else "text/plain"
    return None


def _utf8(head: bytes) -> bool:
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)  # the head may end inside a character
    except UnicodeDecodeError:
        return False
    return True
