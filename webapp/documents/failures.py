"""Words for why a document failed to ingest, in the reader's language (pt-BR or English).

The worker stores a code of `retrieval.contracts.failures` with its parameters, and the English technical detail
in `Document.error`; each sentence here says what the reader can do. A document failed before codes existed (or
by a code this version does not know) shows its detail as it is.
"""

from django.utils.translation import gettext_lazy as _

from retrieval.contracts import failures as F
from webapp.wording import fill

TEXTS = {
    F.ENCRYPTED: _("The file is protected by a password or encrypted: remove the protection, save a copy and "
                   "upload that."),
    F.CORRUPT: _("The file is damaged or could not be read: open it in its application, save a new copy and "
                 "upload that."),
    F.EMPTY: _("No text was found in the file. If it is a scan or a photo, upload a clearer copy or one with "
               "searchable text."),
    F.UNSUPPORTED: _("Acervo does not read this kind of file: save it as PDF, DOCX or plain text and upload that."),
    F.TOO_LARGE: _("The file is larger than this installation allows: split it into smaller files, or ask an "
                   "administrator to raise the limit."),
    F.CONVERTER_MISSING: _("A program this file needs (LibreOffice or the Tesseract OCR) is not installed on the "
                           "server: ask an administrator."),
    F.TIME_LIMIT: _("Reading the file took longer than the limit of %(limit)s s: split the file, or ask an "
                    "administrator to raise INGEST_TIME_LIMIT_S."),
    F.WORKER_CRASHED: _("The worker stopped %(n)s times while reading this file (out of memory, or a reader "
                        "library crashed): split the file, or ask an administrator to look at the worker's log."),
    F.MODEL_UNAVAILABLE: _("The embedding model could not be loaded: ask an administrator to check "
                           "EMBEDDING_MODEL."),
    F.ORIGINAL_MISSING: _("The stored original of this file is missing: upload the file again."),
    F.INTERNAL_ERROR: _("An internal error stopped the ingestion: try again, and if it fails again ask an "
                        "administrator to look at the worker's log."),
    F.GAVE_UP: _("Not finished after %(n)s attempts because a service was unreachable: ingest it again once it "
                 "is back."),
}


def describe(code: str, params: dict | None, detail: str = "") -> str:
    """The code's sentence with its parameters filled in; `detail` for an unknown or missing code ("" for none)."""
    text = TEXTS.get(code)
    return detail if text is None else fill(text, params, otherwise=detail)


def explain(document) -> dict:
    """What the reader is told about a failed document: `message` in their language, the stable `code`, and the
    English `detail` when it adds to the message (empty otherwise). All empty for a document that did not fail."""
    if not (document.error_code or document.error):
        return {"code": "", "message": "", "detail": ""}
    message = describe(document.error_code, document.error_params, document.error)
    return {"code": document.error_code, "message": message,
            "detail": document.error if document.error != message else ""}
