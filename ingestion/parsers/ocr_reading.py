"""How a page is read by Tesseract: its words with their confidence, and the reading kept among a few tries.

Tesseract's default page segmentation (psm 3, "find the columns") breaks on tables: the ruling lines split cells into
fragments it drops, so whole rows and their numbers vanish. A page with ruling lines is therefore read again with
the lines erased as one block of rows (psm 6, which keeps a table's row on one line; psm 3 on the erased page finds
the words too but reads the table column by column), and the reading with more words Tesseract is sure of is kept. Measured by bench/ocr_accuracy.py on the shared scans and
rendered tables: the scanned table's rows all come back; pages whose first reading is more confident keep it.
"""

import csv
import io
from dataclasses import dataclass

LINE_SHARE = 1 / 12  # a run of ink this long (of the page's width or height) is a ruling line, not a letter
MIN_LINE_INK = 0.002  # of the page's pixels in ruling lines: less is an underline or a rule, not a table
SURE = 70  # a word Tesseract reads with this confidence (0-100) or more is almost always right


@dataclass(frozen=True)
class Reading:
    """What one Tesseract pass read: the text in reading order, the mean confidence of its words (0-100) and how
    many words it found."""

    text: str
    confidence: float
    words: int
    mode: str = "psm 3"
    sure_words: int = 0  # words read with at least SURE confidence


def from_tsv(tsv: str, mode: str) -> Reading:
    """A Reading from Tesseract's TSV output: lines joined by newlines, paragraphs and blocks by blank lines."""
    rows = csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE)
    parts, confidences, last = [], [], None
    for row in rows:
        if row.get("level") != "5" or not (row.get("text") or "").strip():
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        if last is not None:
            parts.append(" " if key == last else "\n" if key[:2] == last[:2] else "\n\n")
        parts.append(row["text"].strip())
        confidences.append(max(0.0, float(row["conf"])))
        last = key
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    return Reading(text="".join(parts), confidence=round(mean, 1), words=len(confidences), mode=mode,
                   sure_words=sum(1 for c in confidences if c >= SURE))


def best(readings: list[Reading]) -> Reading:
    """The reading with the most words read surely, then the most confident: a reading that lost a table's rows
    has fewer sure words, and one of speckle (a fax's dither taken for lines and erased) has many words, few sure."""
    return max(readings, key=lambda r: (r.sure_words, r.confidence))


def without_ruling_lines(image):
    """The page in black and white with its ruling lines (table borders, form boxes) erased, or None when it has
    none worth erasing. Letters survive: their strokes are far shorter than LINE_SHARE of the page."""
    import numpy as np
    from PIL import Image

    ink = np.asarray(image.convert("L")) < 128
    height, width = ink.shape
    lines = _long_runs(ink, max(40, int(width * LINE_SHARE))) | _long_runs(ink.T, max(40, int(height * LINE_SHARE))).T
    if lines.sum() < MIN_LINE_INK * ink.size:
        return None
    grown = lines.copy()  # and the anti-aliased pixel either side
    grown[1:] |= lines[:-1]
    grown[:-1] |= lines[1:]
    grown[:, 1:] |= lines[:, :-1]
    grown[:, :-1] |= lines[:, 1:]
    return Image.fromarray(np.where(ink & ~grown, 0, 255).astype(np.uint8))


def _long_runs(ink, min_length: int):
    """True where a pixel belongs to a horizontal run of ink at least `min_length` long."""
    import numpy as np

    height, width = ink.shape
    edges = np.diff(np.pad(ink.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    start_rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)  # row-major order: the n-th end closes the n-th start
    long = ends - starts >= min_length
    marks = np.zeros((height, width + 1), dtype=np.int8)
    # Plain assignment is enough: in a row, no two runs start (or end) at one pixel, and an end is never a start.
    marks[start_rows[long], starts[long]] = 1
    marks[start_rows[long], ends[long]] = -1
    return np.cumsum(marks, axis=1, dtype=np.int32)[:, :width] > 0
