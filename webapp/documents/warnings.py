"""Words for a document's parser warnings, in the reader's language (pt-BR or English).

The worker stores each warning as a code of `retrieval.contracts.warnings` with its parameters and the English
detail; each sentence here says what was skipped and, where the reader can do something, what. A warning stored
before codes existed (a plain string) is shown as it is; a code this version does not know, or parameters it cannot
use, show the warning's detail.
"""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from retrieval.contracts import warnings as W
from webapp.documents import failures
from webapp.wording import fill

TEXTS = {
    W.PAGES_MISSING: ngettext_lazy(
        "The PDF says it has %(declared)s pages but the file lacks %(missing)s of them (it is damaged): "
        "%(found)s page was read. If you have a complete copy, upload that.",
        "The PDF says it has %(declared)s pages but the file lacks %(missing)s of them (it is damaged): "
        "%(found)s pages were read. If you have a complete copy, upload that.",
        "found",
    ),
    W.PAGE_UNREADABLE: _(
        "Page %(page)s could not be read (%(error)s) and was skipped. Saving a new copy of the file "
        "in its application and uploading that may fix it."
    ),
    W.PAGE_NEEDS_OCR: _(
        "Page %(page)s is a scanned image and text recognition (OCR) is not installed on the server: "
        "the page was skipped. Ask an administrator."
    ),
    W.PAGE_NO_TEXT: _("Text recognition (OCR) found no text in the image of page %(page)s."),
    W.PAGE_OCR_TIMEOUT: _(
        "Text recognition (OCR) of page %(page)s took longer than %(seconds)s s: the page was skipped."
    ),
    W.OCR_LOW_CONFIDENCE: ngettext_lazy(
        "Text recognition (OCR) read page %(pages)s with low confidence (%(confidence)s%% on average): the text may "
        "be wrong in places. Upload a sharper scan (300 dpi, straight) or the original file if there is one.",
        "Text recognition (OCR) read %(count)s pages (%(pages)s) with low confidence (%(confidence)s%% on average): "
        "the text may be wrong in places. Upload a sharper scan (300 dpi, straight) or the original file if there "
        "is one.",
        "count",
    ),
    W.SLIDE_UNREADABLE: _("Slide %(slide)s could not be read (%(error)s) and was skipped."),
    W.PART_UNREADABLE: _("Could not read %(part)s (%(error)s): that part was skipped."),
    W.PICTURES_NOT_READ: _(
        "The text in pictures was not read: text recognition (OCR) is not installed on the server. "
        "Ask an administrator."
    ),
    W.PICTURES_CAPPED: ngettext_lazy(
        "Only the first %(limit)s picture was read with text recognition (OCR); the others were skipped.",
        "Only the first %(limit)s pictures were read with text recognition (OCR); the others were skipped.",
        "limit",
    ),
    W.PICTURE_OCR_TIMEOUT: _(
        "Text recognition (OCR) of a picture took longer than %(seconds)s s: the picture was skipped."
    ),
    W.ATTACHMENT_SKIPPED: _("The attachment “%(name)s” was not read. %(reason)s"),
    W.MORE: ngettext_lazy("… and %(n)s more warning.", "… and %(n)s more warnings.", "n"),
}
# PART_UNREADABLE's `part` (retrieval.contracts.warnings.PARTS): what "Could not read …" names.
PARTS = {
    "paragraph": _("paragraph %(number)s"),
    "table": _("table %(number)s"),
    "paragraph_pictures": _("the pictures of paragraph %(number)s"),
    "table_pictures": _("the pictures of table %(number)s"),
    "footnotes": _("the footnotes"),
    "endnotes": _("the endnotes"),
    "headers_footers": _("the headers and footers"),
    "charts": _("the charts"),
}


def warnings_in_words(warnings: list | None) -> list[str]:
    """Each stored warning in the reader's language (`describe`), in order."""
    return [describe(warning) for warning in warnings or []]


def warning_codes(warnings: list | None) -> list[str]:
    """Each stored warning's code, in the same order as `warnings_in_words`; "" for one stored before codes."""
    return [str(warning.get("code", "")) if isinstance(warning, dict) else "" for warning in warnings or []]


def describe(warning) -> str:
    """One stored warning in words: a `FileWarning.stored()` dict by its code and parameters (a parameter it lacks
    shows as "?"), or its detail when the code is unknown or its parameters do not fit; a plain string as it is."""
    if not isinstance(warning, dict):
        return str(warning)
    detail = str(warning.get("detail", ""))
    text = TEXTS.get(warning.get("code", ""))
    if text is None:
        return detail
    params = warning.get("params") or {}
    return fill(text, {**params, **_worded(params)}, otherwise=detail).strip()


def _worded(params: dict) -> dict:
    """The parameters that are not said as they are: a Word part, an attachment's failure, a list of pages."""
    worded = {}
    if "part" in params:
        part = PARTS.get(params["part"])
        worded["part"] = str(params["part"]) if part is None else fill(part, params, otherwise=str(params["part"]))
    if "reason" in params:
        worded["reason"] = failures.describe(params["reason"], {})
    if isinstance(params.get("pages"), list):
        pages = params["pages"]
        more = isinstance(params.get("count"), int) and params["count"] > len(pages)
        worded["pages"] = ", ".join(map(str, pages)) + (", …" if more else "")
    return worded
