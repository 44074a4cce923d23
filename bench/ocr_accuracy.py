"""OCR character accuracy on scans whose text is known: the shared scan that has a text twin (image/DA-1p.png, a
page of pdf/DA-619p.pdf), the shared scanned table (pdf/table-multi-row-column-cells.pdf, transcribed by hand
below), and pages of shared PDFs with a text layer rendered as 150 dpi greyscale scans (tables of figures: the
text layer is their twin).

Usage: .venv/bin/python bench/ocr_accuracy.py [--before REV]
  --before REV   also read every image with ingestion/parsers/ocr.py as it was at REV (e.g. fcf1fa5)
Per image: character accuracy (1 - edit distance / length of the known text, spaces folded; reading order
counts), word recall and number recall (share of the known words / numbers found anywhere: order does not count),
mean OCR confidence, seconds. The last line is one JSON object with the means.
"""

import argparse
import importlib.util
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT.parent / "shared" / "docs"
sys.path.insert(0, str(ROOT))

# pdf/table-multi-row-column-cells.pdf as a person reads it, row by row.
TABLE_TRUTH = """Disability Category Participants Ballots Completed Ballots Incomplete/ Terminated Results Accuracy Time to complete
Blind 5 1 4 34.5%, n=1 1199 sec, n=1
Low Vision 5 2 3 98.3% n=2 (97.7%, n=3) 1716 sec, n=3 (1934 sec, n=2)
Dexterity 5 4 1 98.3%, n=4 1672.1 sec, n=4
Mobility 3 3 0 95.4%, n=3 1416 sec, n=3"""
# (shared file, page) rendered as a scan; their text layer is the truth
RENDERED = [("pt/milho-safra-2017.pdf", 1), ("pt/eleicoes-tcesp-161-162.pdf", 1),
            ("pt/ibama-autuacao-amazonas-2010-pag2.pdf", 1), ("pdf/multicolumn.pdf", 1)]
WORD = re.compile(r"\w+(?:[.,/%-]\w+)*")


def samples():
    """(name, PIL image, known text) for each image measured."""
    import pypdfium2 as pdfium
    from PIL import Image

    from ingestion.parsers.pdf import _page_text

    da = pdfium.PdfDocument(str(DOCS / "pdf" / "DA-619p.pdf"))
    scan = Image.open(DOCS / "image" / "DA-1p.png")
    yield "image/DA-1p.png (scan; twin: DA-619p.pdf)", scan, _twin_page(da, _page_text, "maleficar")
    table = pdfium.PdfDocument(str(DOCS / "pdf" / "table-multi-row-column-cells.pdf"))
    yield "pdf/table-multi-row-column-cells.pdf (scanned table)", table[0].render(scale=300 / 72).to_pil(), TABLE_TRUTH
    for relative, number in RENDERED:
        document = pdfium.PdfDocument(str(DOCS / relative))
        page = document[number - 1]
        image = page.render(scale=150 / 72, grayscale=True).to_pil()
        yield f"{relative} p. {number} (rendered 150 dpi)", image, _page_text(page)


def _twin_page(document, page_text, word: str) -> str:
    for index in range(min(len(document), 40)):
        text = page_text(document[index])
        if word in text:
            return text
    raise SystemExit(f"no page of the twin holds {word!r}")


def folded(text: str) -> str:
    return " ".join(text.split())


def levenshtein(a: str, b: str) -> int:
    import numpy as np

    columns = np.arange(len(b) + 1)
    codes = np.array([ord(c) for c in b], dtype=np.int64)
    previous = columns.copy()
    for i, char in enumerate(a, start=1):
        best = np.empty(len(b) + 1, dtype=np.int64)
        best[0] = i
        best[1:] = np.minimum(previous[:-1] + (codes != ord(char)), previous[1:] + 1)
        previous = np.minimum.accumulate(best - columns) + columns  # insertions, left to right
    return int(previous[-1])


def recall(found: str, truth: str, *, numbers: bool) -> float | None:
    def words(text):
        return Counter(w.lower() for w in WORD.findall(text) if (any(c.isdigit() for c in w) if numbers else True))

    wanted, got = words(truth), words(found)
    total = sum(wanted.values())
    return sum(min(count, got[w]) for w, count in wanted.items()) / total if total else None


def score(text: str, truth: str) -> dict:
    a, b = folded(text), folded(truth)
    return {"char_accuracy": round(max(0.0, 1 - levenshtein(a, b) / max(1, len(b))), 3),
            "word_recall": round(recall(text, truth, numbers=False), 3),
            "number_recall": None if recall(text, truth, numbers=True) is None else round(recall(text, truth, numbers=True), 3)}


def old_reader(rev: str):
    """ingestion/parsers/ocr.py as it was at `rev`, loaded beside the current one."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{rev}:ingestion/parsers/ocr.py"], capture_output=True,
                            text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "ocr_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("ocr_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return lambda image: (module.image_text(image), None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", metavar="REV", help="also measure ingestion/parsers/ocr.py as it was at REV")
    args = parser.parse_args()
    from ingestion.parsers import ocr

    readers = {"now": lambda image: (lambda r: (r.text, r.confidence))(ocr.image_reading(image))}
    if args.before:
        readers = {f"before ({args.before})": old_reader(args.before), **readers}
    totals = {name: [] for name in readers}
    for label, image, truth in samples():
        for name, read in readers.items():
            started = time.perf_counter()
            text, confidence = read(image)
            figures = {**score(text, truth), "confidence": confidence, "seconds": round(time.perf_counter() - started, 1)}
            totals[name].append(figures)
            print(f"{label:62} {name:18} " + "  ".join(f"{k} {v}" for k, v in figures.items()), flush=True)
    summary = {}
    for name, rows in totals.items():
        summary[name] = {key: round(sum(r[key] for r in rows if r[key] is not None) /
                                    max(1, sum(1 for r in rows if r[key] is not None)), 3)
                         for key in ("char_accuracy", "word_recall", "number_recall", "seconds")}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
