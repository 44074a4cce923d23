"""Tesseract OCR for scanned pages and images. The one place that reads OCR_LANGUAGES ("por+eng" by default).

Tesseract runs as a program (Debian's tesseract-ocr packages), one page per call, with OpenMP limited to one
thread: on two cores its default threading made a page take 23 s instead of 1.5 s, and workers run in parallel.
"""

import io
import logging
import os
import shutil
import subprocess
from functools import lru_cache

from ingestion.parsers.ocr_reading import Reading, best, from_tsv, without_ruling_lines
from ingestion.types import ParseError
from retrieval.contracts import warnings as W
from retrieval.contracts.warnings import FileWarning

log = logging.getLogger(__name__)

PAGE_TIMEOUT_S = 120
PAGES_LISTED = 10  # a low-confidence warning names this many pages, then counts
MAX_SIDE_PX = 5000  # a poster-sized page is shrunk to this: more pixels cost time without helping recognition
MIN_SIDE_PX = 1200  # a small screenshot is enlarged: Tesseract reads glyphs best at 20-30 px high
# Mean word confidence (0-100) under which a page's reading is flagged to the person who uploaded it. Clean
# scans read at 85-95; below 60, words are wrong often enough to mislead search and answers.
LOW_CONFIDENCE = 60
MIN_WORDS_JUDGED = 5
LOW_CONFIDENCE_WARNING = ("OCR read {pages} with low confidence (mean {confidence}%): the text may be wrong in places; "
                          "upload a sharper scan (300 dpi, straight) or the original file if there is one")

NOT_INSTALLED = ("converter_missing", "OCR is not installed (tesseract): this file needs text recognition; "
                 "ask the administrator to run scripts/system_packages.sh")


def languages() -> str:
    return os.environ.get("OCR_LANGUAGES", "por+eng")


def require() -> str:
    """The usable "+"-joined languages; ParseError("converter_missing") when Tesseract or every one is missing."""
    binary = shutil.which("tesseract")
    if binary is None:
        raise ParseError(*NOT_INSTALLED)
    return _usable_languages(binary, languages())


@lru_cache(maxsize=4)
def _usable_languages(binary: str, wanted: str) -> str:
    listed = subprocess.run([binary, "--list-langs"], capture_output=True, text=True, timeout=30, check=False)
    installed = set(listed.stdout.split()[1:] if listed.returncode == 0 else ())  # after 'List of languages…:'
    usable = [lang for lang in wanted.split("+") if lang in installed]
    if not usable:
        raise ParseError("converter_missing", f"OCR languages {wanted} are not installed for tesseract "
                                              f"(installed: {', '.join(sorted(installed)) or 'none'}); install "
                                              "tesseract-ocr-<lang> or change OCR_LANGUAGES")
    if len(usable) < len(wanted.split("+")):
        log.warning("OCR_LANGUAGES=%s: only %s installed", wanted, "+".join(usable))
    return "+".join(usable)


def image_text(image) -> str:
    """Text that Tesseract reads in a PIL image ("" when it finds none). Raises ParseError when OCR is missing,
    subprocess.TimeoutExpired when one pass takes longer than PAGE_TIMEOUT_S."""
    return image_reading(image).text


def image_reading(image) -> Reading:
    """The best reading of a PIL image (ingestion.parsers.ocr_reading): one pass, or two on a page with ruling
    lines (a table, a form: the second with the lines erased, row by row), the most confident kept. Its `confidence` under LOW_CONFIDENCE means the text is
    likely wrong in places (a blurred, skewed or faint scan). Raises as `image_text` does."""
    prepared = _prepared(image)
    readings = [_tesseract(prepared, psm=3)]
    unruled = without_ruling_lines(prepared)
    if unruled is not None:
        readings.append(_tesseract(unruled, psm=6))
    return best(readings)


def is_unsure(reading: Reading) -> bool:
    """True when a reading of some length is below LOW_CONFIDENCE (a few words of speckle say nothing)."""
    return reading.words >= MIN_WORDS_JUDGED and reading.confidence < LOW_CONFIDENCE


def low_confidence_warning(unsure: dict[int, float]) -> FileWarning:
    """One warning for the pages (number -> confidence) read with low confidence: the count, the first
    PAGES_LISTED page numbers and the mean confidence, worded by the web (webapp.documents.warnings)."""
    numbers = sorted(unsure)
    shown = ", ".join(map(str, numbers[:PAGES_LISTED])) + (", …" if len(numbers) > PAGES_LISTED else "")
    pages = f"page {shown}" if len(numbers) == 1 else f"{len(numbers)} pages ({shown})"
    mean = round(sum(unsure.values()) / len(unsure))
    return FileWarning(W.OCR_LOW_CONFIDENCE, LOW_CONFIDENCE_WARNING.format(pages=pages, confidence=mean),
                       {"count": len(numbers), "pages": numbers[:PAGES_LISTED], "confidence": mean})


def _tesseract(image, *, psm: int) -> Reading:
    langs = require()
    png = io.BytesIO()
    image.save(png, format="PNG")
    result = subprocess.run(
        [shutil.which("tesseract") or "tesseract", "stdin", "stdout", "-l", langs, "--psm", str(psm), "tsv"],
        input=png.getvalue(), capture_output=True, timeout=PAGE_TIMEOUT_S, check=False,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    if result.returncode != 0:
        log.warning("tesseract failed: %s", result.stderr.decode("utf-8", "replace").strip()[-300:])
        return Reading(text="", confidence=0.0, words=0, mode=f"psm {psm}")
    return from_tsv(result.stdout.decode("utf-8", "replace"), mode=f"psm {psm}")


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
