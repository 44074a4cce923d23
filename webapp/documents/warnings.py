"""A document's parser warnings in the reader's language.

The worker stores warnings in English (the API returns them as they are); a warning whose shape the web knows is said
again from its parameters in the current language: OCR of low confidence (ingestion.parsers.ocr.LOW_CONFIDENCE_WARNING,
kept in step by tests/test_ocr_tables.py). Any other warning is shown as written.
"""

import re

from django.utils.translation import ngettext

OCR_LOW_CONFIDENCE = re.compile(
    r"^OCR read (?:page (?P<page>\d+)|(?P<count>\d+) pages \((?P<pages>[^)]*)\)) with low confidence "
    r"\(mean (?P<confidence>\d+)%\)"
)


def warnings_in_words(warnings: list) -> list[str]:
    return [warning_in_words(str(warning)) for warning in warnings or []]


def warning_in_words(warning: str) -> str:
    match = OCR_LOW_CONFIDENCE.match(warning)
    if match is None:
        return warning
    count = int(match["count"] or 1)
    pages = match["page"] or match["pages"]
    return ngettext(
        "Text recognition (OCR) read page %(pages)s with low confidence (%(confidence)s%% on average): the text may "
        "be wrong in places. Upload a sharper scan (300 dpi, straight) or the original file if there is one.",
        "Text recognition (OCR) read %(count)s pages (%(pages)s) with low confidence (%(confidence)s%% on average): "
        "the text may be wrong in places. Upload a sharper scan (300 dpi, straight) or the original file if there "
        "is one.", count) % {"pages": pages, "count": count, "confidence": match["confidence"]}
