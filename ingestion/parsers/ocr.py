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

from ingestion.types import ParseError

log = logging.getLogger(__name__)

PAGE_TIMEOUT_S = 120
MAX_SIDE_PX = 5000  # a poster-sized page is shrunk to this: more pixels cost time without helping recognition
MIN_SIDE_PX = 1200  # a small screenshot is enlarged: Tesseract reads glyphs best at 20-30 px high

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
    subprocess.TimeoutExpired when one page takes longer than PAGE_TIMEOUT_S."""
    langs = require()
    png = io.BytesIO()
    _prepared(image).save(png, format="PNG")
    result = subprocess.run(
        [shutil.which("tesseract") or "tesseract", "stdin", "stdout", "-l", langs],
        input=png.getvalue(), capture_output=True, timeout=PAGE_TIMEOUT_S, check=False,
        env={**os.environ, "OMP_THREAD_LIMIT": "1"},
    )
    if result.returncode != 0:
        log.warning("tesseract failed: %s", result.stderr.decode("utf-8", "replace").strip()[-300:])
        return ""
    text = result.stdout.decode("utf-8", "replace").replace("\x0c", "")
    return "\n".join(line.rstrip() for line in text.splitlines()).strip()


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
