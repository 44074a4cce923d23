"""Text in pictures pasted into Word and PowerPoint files: a scanned page, a screenshot of a table or a form.

Such a file has no text of its own, so each picture big enough to hold text is OCR'd (ingestion.parsers.ocr).
Icons, logos and bullets are skipped by size before any OCR; a picture used many times (a logo on every slide)
is read once; at most MAX_PICTURES are read per document, because each costs Tesseract a second or more.
What Tesseract reads in a photo is usually noise, so text with fewer than MIN_WORDS words is dropped.
"""

import hashlib
import io
import logging
import re
import subprocess

from ingestion import limits
from ingestion.parsers import ocr
from ingestion.types import ParseError, Warnings
from retrieval.contracts import warnings as W
from retrieval.contracts.warnings import FileWarning

log = logging.getLogger(__name__)

MIN_SIDE_PX = 100  # a line of text needs ~20 px of height; smaller pictures are bullets and icons
MIN_AREA_PX = 90_000  # ~300 x 300: logos and signatures stay under it, a screenshot of a paragraph does not
MAX_PIXELS = 60_000_000  # past this a pasted picture is a decompression bomb, not a page
MAX_PICTURES = 20
MIN_WORDS = 3
WORD = re.compile(r"[^\W\d_]{2,}")

NO_OCR = "pictures were not read: {reason}"
CAPPED = "only the first {limit} pictures were read (OCR); the rest were skipped"
TIMED_OUT = "{where}: OCR took longer than {seconds} s: skipped"


class PictureReader:
    """OCRs the pictures of one document, within its budget; notes what it skipped in `warnings`."""

    def __init__(self, warnings: Warnings, max_pictures: int = MAX_PICTURES):
        self.warnings = warnings
        self.max_pictures = max_pictures
        self.read = 0
        self.seen: set[str] = set()
        self.disabled = False

    def text(self, blob: bytes, where: str) -> str:
        """The words in this picture ("" when it is too small, unreadable, already read, or holds no text)."""
        digest = hashlib.sha256(blob).hexdigest()
        if self.disabled or digest in self.seen:
            return ""
        self.seen.add(digest)
        image = _opened(blob)
        if image is None:
            return ""
        if self.read >= self.max_pictures:
            self.warnings.append(FileWarning(W.PICTURES_CAPPED, CAPPED.format(limit=self.max_pictures),
                                             {"limit": self.max_pictures}))
            self.disabled = True
            return ""
        self.read += 1
        limits.checkpoint()
        try:
            text = ocr.image_text(image)
        except ParseError as exc:  # OCR not installed: the document's own text is still worth indexing
            self.warnings.append(FileWarning(W.PICTURES_NOT_READ, NO_OCR.format(reason=exc.message)))
            self.disabled = True
            return ""
        except subprocess.TimeoutExpired:
            seconds = ocr.PAGE_TIMEOUT_S
            self.warnings.append(FileWarning(W.PICTURE_OCR_TIMEOUT, TIMED_OUT.format(where=where, seconds=seconds),
                                             {"seconds": seconds}))
            return ""
        return text if len(WORD.findall(text)) >= MIN_WORDS else ""


def _opened(blob: bytes):
    """A PIL image on a white background, or None for a picture too small, too big or not a bitmap (EMF, SVG)."""
    from PIL import Image

    try:
        image: Image.Image = Image.open(io.BytesIO(blob))
        width, height = image.size
        if min(width, height) < MIN_SIDE_PX or width * height < MIN_AREA_PX or width * height > MAX_PIXELS:
            return None
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        log.info("picture skipped: %s", exc)
        return None
    if image.mode in ("RGBA", "LA", "P", "PA"):
        # a screenshot's transparent background would turn black, and its black text with it
        rgba = image.convert("RGBA")
        image = Image.new("RGB", rgba.size, "white")
        image.paste(rgba, mask=rgba.getchannel("A"))
    return image
