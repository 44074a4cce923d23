"""What a parser noted about a file it did read (a page skipped, a picture not read), as the worker stores it.

Each warning is a code with its parameters, which the web words for the reader in pt-BR or English
(`webapp.documents.warnings`), and `detail`, the English sentence kept for administrators, logs and the CLI.
`Document.warnings` holds a list of `FileWarning.stored()` dicts; rows written before codes hold plain strings.
Codes are stable: the API returns them. A parameter is a number, a name (an attachment's file name, a library
exception's class) or a code of its own vocabulary (PARTS, a failure code of `retrieval.contracts.failures`), never
English words: the web would have to parse them to translate them.
"""

from dataclasses import dataclass, field

from retrieval.contracts.failures import check_code

PAGES_MISSING = "pages_missing"  # a PDF declares pages it does not have
PAGE_UNREADABLE = "page_unreadable"
PAGE_NEEDS_OCR = "page_needs_ocr"  # a scanned page, and OCR is not installed
PAGE_NO_TEXT = "page_no_text"  # a scanned page (or image) in which OCR found no text
PAGE_OCR_TIMEOUT = "page_ocr_timeout"
OCR_LOW_CONFIDENCE = "ocr_low_confidence"
SLIDE_UNREADABLE = "slide_unreadable"
PART_UNREADABLE = "part_unreadable"  # a part of a Word document (one of PARTS)
PICTURES_NOT_READ = "pictures_not_read"  # OCR is not installed: pictures in a Word/PowerPoint file were not read
PICTURES_CAPPED = "pictures_capped"
PICTURE_OCR_TIMEOUT = "picture_ocr_timeout"
ATTACHMENT_SKIPPED = "attachment_skipped"
MORE = "more_warnings"  # the count past the cap (ingestion.types.MAX_WARNINGS)

# Every code and the parameters it is stored with (the words for it may use any of them).
PARAMS: dict[str, tuple[str, ...]] = {
    PAGES_MISSING: ("declared", "missing", "found"),
    PAGE_UNREADABLE: ("page", "error"),  # error: the library's exception class, e.g. KeyError
    PAGE_NEEDS_OCR: ("page",),
    PAGE_NO_TEXT: ("page",),
    PAGE_OCR_TIMEOUT: ("page", "seconds"),
    OCR_LOW_CONFIDENCE: ("count", "pages", "confidence"),  # pages: the first few page numbers; confidence: 0-100
    SLIDE_UNREADABLE: ("slide", "error"),
    PART_UNREADABLE: ("part", "number", "error"),  # number: the body element's, None for a whole part
    PICTURES_NOT_READ: (),
    PICTURES_CAPPED: ("limit",),
    PICTURE_OCR_TIMEOUT: ("seconds",),
    ATTACHMENT_SKIPPED: ("name", "reason"),  # reason: the attachment's failure code
    MORE: ("n",),
}
# The parts of a Word document that are skipped one by one when they cannot be read (PART_UNREADABLE's `part`).
PARTS = (
    "paragraph",
    "table",
    "paragraph_pictures",
    "table_pictures",
    "footnotes",
    "endnotes",
    "headers_footers",
    "charts",
)


@dataclass(frozen=True)
class FileWarning:
    """One parser warning: `code` (a key of PARAMS) with `params`, and `detail`, the English sentence."""

    code: str
    detail: str
    params: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_code(PARAMS, self.code, self.params)

    def __str__(self) -> str:
        return self.detail

    def stored(self) -> dict:
        """What `Document.warnings` holds for it (JSON)."""
        return {"code": self.code, "params": dict(self.params), "detail": self.detail}
