"""OCR cost per page, on this machine: every page of the shared PDFs that has no usable text layer (and of the
two scans the tests make), split into what the ink check sends to Tesseract and what it keeps cheap.

Usage: .venv/bin/python bench/ocr_pages.py [--max-pages 40]
The last line is one JSON object: ocr_pages, ocr_s_per_page (median, max), pages_without_usable_text,
ink_check_ms (median).
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT.parent / "shared" / "docs"
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-pages", type=int, default=40, help="skip PDFs longer than this")
    args = parser.parse_args()
    import pypdfium2 as pdfium

    from ingestion.parsers import pdf
    from tests.scans import fax_on_a_centred_page, scan_in_a_scaled_form

    made = Path(tempfile.mkdtemp())
    for make in (scan_in_a_scaled_form, fax_on_a_centred_page):
        (made / f"{make.__name__}.pdf").write_bytes(make())
    ocr_s, ink_ms = [], []
    for path in sorted(DOCS.rglob("*.pdf")) + sorted(made.glob("*.pdf")):
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError:
            continue
        if len(document) > args.max_pages:
            continue
        for index in range(len(document)):
            page = document[index]
            text = pdf._page_text(page)
            if pdf.text_state(text) == "usable":
                page.close()
                continue
            started = time.perf_counter()
            needed = pdf._needs_ocr(page, text)  # for these pages: the small render and its ink count
            ink_ms.append((time.perf_counter() - started) * 1000)
            if needed:
                started = time.perf_counter()
                read = pdf._ocr_page(page)
                ocr_s.append(time.perf_counter() - started)
                print(f"{path.name} p. {index + 1}: OCR {ocr_s[-1]:.2f} s, {len(read.text)} characters, "
                      f"confidence {read.confidence} ({read.mode})", flush=True)
            page.close()
        document.close()
    print(json.dumps({
        "ocr_pages": len(ocr_s),
        "ocr_s_per_page": ({"median": round(statistics.median(ocr_s), 2), "max": round(max(ocr_s), 2)}
                           if ocr_s else None),
        "pages_without_usable_text": len(ink_ms),
        "ink_check_ms": {"median": round(statistics.median(ink_ms), 1)} if ink_ms else None,
    }))


if __name__ == "__main__":
    main()
