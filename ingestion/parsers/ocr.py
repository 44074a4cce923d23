"""Tesseract OCR for scanned pages and images. The one place that reads OCR_LANGUAGES ("por+eng" by default)."""

import os
from functools import lru_cache

from ingestion.types import ParseError

PAGE_TIMEOUT_S = 120
MAX_SIDE_PX = 5000  # a poster-sized page is shrunk to this: more pixels cost time without helping recognition
MIN_SIDE_PX = 1200  # a small screenshot is enlarged: Tesseract reads glyphs best at 20-30 px high

NOT_INSTALLED = ("converter_missing", "OCR is not installed (tesseract): this file needs text recognition; "
                 "ask the administrator to run scripts/system_packages.sh")


def languages() -> str:
    return os.environ.get("OCR_LANGUAGES", "por+eng")


@lru_cache(maxsize=4)
def _usable_languages(wanted: str) -> str:
    import pytesseract

    try:
        installed = set(pytesseract.get_languages(config=""))
    except pytesseract.TesseractNotFoundError as exc:
        raise ParseError(*NOT_INSTALLED) from exc
    usable = [lang for lang in wanted.split("+") if lang in installed]
    if not usable:
        raise ParseError("converter_missing", f"OCR languages {wanted} are not installed for tesseract "
                                              f"(installed: {', '.join(sorted(installed))}); install "
                                              "tesseract-ocr-<lang> or change OCR_LANGUAGES")
    return "+".join(usable)


def require() -> None:
    """Raise ParseError("converter_missing") when Tesseract or every wanted language is missing."""
    _usable_languages(languages())


def available() -> bool:
    try:
        require()
    except ParseError:
        return False
    return True


def image_text(image) -> str:
    """Text that Tesseract reads in a PIL image; "" when it finds none. Raises ParseError when OCR is missing."""
    import pytesseract

    langs = _usable_languages(languages())
    try:
        text = pytesseract.image_to_string(_prepared(image), lang=langs, timeout=PAGE_TIMEOUT_S)
    except pytesseract.TesseractNotFoundError as exc:
        raise ParseError(*NOT_INSTALLED) from exc
    return "\n".join(line.rstrip() for line in text.replace("\x0c", "").splitlines()).strip()


def _prepared(image):
    from PIL import Image

    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    longest = max(image.size)
    if longest > MAX_SIDE_PX or longest < MIN_SIDE_PX:
        factor = MAX_SIDE_PX / longest if longest > MAX_SIDE_PX else min(3.0, MIN_SIDE_PX / longest)
        image = image.resize((max(1, int(image.width * factor)), max(1, int(image.height * factor))),
                             Image.Resampling.LANCZOS)
    return image
