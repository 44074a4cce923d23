"""Photos and scans (PNG, JPEG, TIFF, GIF, BMP, WebP): OCR, one block per page (frame of a multi-page TIFF)."""

import subprocess
from collections.abc import Iterator
from pathlib import Path

from ingestion.parsers import ocr
from ingestion.types import Block, ParsedFile, ParseError, Warnings
from retrieval.contracts import warnings as W
from retrieval.contracts.warnings import FileWarning

MAX_PIXELS = 200_000_000  # ~14000 x 14000: past this an image is a decompression bomb, not a scan


def parse(path: Path) -> ParsedFile:
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        image = Image.open(path)
        image.load()
    except Image.DecompressionBombError as exc:
        raise ParseError("too_large", "too large: the image has more than 200 million pixels; "
                                      "scan at 300 dpi or less and upload again") from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise ParseError("corrupt", f"corrupt: the image could not be decoded ({exc}); upload the original file") from exc
    ocr.require()  # fail now, not mid-stream, when OCR is not installed
    frames = getattr(image, "n_frames", 1)
    parsed = ParsedFile(blocks=[], page_count=frames)
    parsed.blocks = _blocks(image, frames, parsed.warnings)
    return parsed


def _blocks(image, frames: int, warnings: Warnings) -> Iterator[Block]:
    from PIL import ImageSequence

    unsure: dict[int, float] = {}
    try:
        for number, frame in enumerate(ImageSequence.Iterator(image), start=1):
            try:
                reading = ocr.image_reading(frame)
            except subprocess.TimeoutExpired:
                seconds = ocr.PAGE_TIMEOUT_S
                warnings.append(FileWarning(W.PAGE_OCR_TIMEOUT, f"page {number}: OCR took longer than {seconds} s: "
                                                                "skipped", {"page": number, "seconds": seconds}))
                continue
            if not reading.text:
                warnings.append(FileWarning(W.PAGE_NO_TEXT, f"page {number}: OCR found no text in the image",
                                            {"page": number}))
                continue
            if ocr.is_unsure(reading):
                unsure[number] = reading.confidence
            yield Block(text=reading.text, page=number, location=f"p. {number} (OCR)")
    finally:
        image.close()
    if unsure:
        warnings.append(ocr.low_confidence_warning(unsure))
