"""PDF through PDFium (pypdfium2): the text layer page by page, and OCR for pages that are scans.

A page without usable text is rendered and OCR'd whatever its image objects say: scans arrive as images placed
through scaled form XObjects, CCITT fax or JBIG2 images, or outlined vector glyphs, and PDFium reports the bounds of
an image inside a form in the form's own space. The cheap test is a small render: a page that shows no ink outside
its text layer (a blank page, a page with a short title) costs a few milliseconds, and only inked pages are OCR'd.

Pages stream one at a time (page, text page and bitmap are closed before the next), so an 800-page file needs
the memory of one page. Text comes in PDFium's order, which follows the content stream with line breaks from
the glyph positions: columns come out column by column and table rows as lines for the files that word
processors and LaTeX write.

PDFium is not thread-safe, not even across documents (pypdfium2's documentation: concurrent calls "crash or corrupt
the process"), and the worker ingests INGEST_CONCURRENCY documents at once in threads: two PDFs parsed together
killed the worker (a SIGTRAP in libpdfium). Every PDFium call here is made holding `PDFIUM`, a page at a time; OCR,
the slow part, reads a copy of the page's image after the lock is released, so scans still OCR in parallel.
"""

import math
import re
import threading
from collections.abc import Iterator
from pathlib import Path

from ingestion import limits
from ingestion.parsers import ocr
from ingestion.titles import usable_title
from ingestion.types import Block, ParsedFile, ParseError, Warnings
from retrieval.contracts import warnings as W
from retrieval.contracts.warnings import FileWarning

OCR_DPI = 300
MIN_TEXT_CHARS = 50  # fewer visible characters than this: the page may be a scan, look for ink
INK_CHECK_PX = 400  # long side of the small render that looks for ink (about 35 dpi on A4)
INK_LEVEL = 160  # a grey darker than this is ink; scanned paper is lighter, toner and pencil are darker
MIN_INK_SHARE = 0.002  # of the small render's pixels: less is a blank page, scanner speckle or a page number
# PDFium marks a hyphen that breaks a word at the end of a line with U+FFFE or U+0002: join the word
SOFT_HYPHEN = re.compile(r"[\ufffe\x02]\s*")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff\ufffd]")
UNMAPPED = re.compile(r"[\ue000-\uf8ff\ufffd]")  # glyphs without a Unicode mapping come out as these

ENCRYPTED = ("encrypted (password required): the PDF is protected with a password to open; "
             "remove the password (print it to a new PDF, or save a copy without security) and upload again")
CORRUPT = "corrupt: the PDF cannot be opened ({detail}); if it was downloaded, download it again, or re-save it"
MISSING_PAGES = ("the PDF declares {declared:,} pages but {missing:,} of them do not exist (a damaged or crafted page "
                 "tree): {found:,} pages read")
PDFIUM = threading.RLock()  # held for every PDFium call in this process (see above)
PDFIUM_ERRORS = {1: "unknown error", 2: "file missing or unreadable", 3: "not a PDF or damaged beyond repair",
                 4: "password", 5: "unsupported security", 6: "unsupported security handler"}


def parse(path: Path) -> ParsedFile:
    import pypdfium2 as pdfium  # native library: loaded only when a PDF arrives

    with PDFIUM:
        try:
            document = pdfium.PdfDocument(str(path))  # PDFium tries the empty user password by itself
        except pdfium.PdfiumError as exc:
            code = getattr(exc, "err_code", None)
            if code in (4, 5, 6):
                raise ParseError("encrypted", ENCRYPTED) from exc
            raise ParseError("corrupt", CORRUPT.format(detail=PDFIUM_ERRORS.get(code or -1, str(exc)))) from exc
        try:
            parsed = ParsedFile(blocks=[], page_count=len(document), title=_metadata_title(document))
            if not usable_title(parsed.title, path.name):
                parsed.title = _largest_lettering(document)
        except BaseException:
            document.close()
            raise
    parsed.blocks = _blocks(document, parsed)
    return parsed


def _metadata_title(document) -> str:
    import pypdfium2 as pdfium

    try:
        return document.get_metadata_dict(skip_empty=True).get("Title", "")
    except (pdfium.PdfiumError, ValueError, UnicodeError):
        return ""


TITLE_SIZE_RATIO = 1.25  # a title is set this much larger than the page's body text (median character size)
TITLE_GAP_CHARS = 40  # big lettering further on than this from the first is another heading


def _largest_lettering(document) -> str:
    """The first page's largest lettering, when it stands out from the body text: most papers, reports and forms
    set their title so, and few fill in the metadata. "" when nothing stands out (or the page cannot be read)."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    try:
        page = document[0]
        textpage = page.get_textpage()
    except (pdfium.PdfiumError, IndexError):
        return ""
    try:
        count = textpage.count_chars()
        if not 0 < count <= 20_000:
            return ""
        # Upright characters only: arXiv's sideways stamp is set larger than any title.
        chars = [(chr(pdfium_c.FPDFText_GetUnicode(textpage, i)), pdfium_c.FPDFText_GetFontSize(textpage, i))
                 if abs(math.sin(pdfium_c.FPDFText_GetCharAngle(textpage, i))) < 0.1 else (" ", 0.0)
                 for i in range(count)]
    finally:
        textpage.close()
        page.close()
    sizes = sorted(size for char, size in chars if char.isalnum())
    if not sizes or sizes[-1] < TITLE_SIZE_RATIO * sizes[len(sizes) // 2]:
        return ""
    big = [i for i, (char, size) in enumerate(chars) if size >= sizes[-1] - 0.5]
    picked, last = [], big[0]
    for i in big:
        if i - last > TITLE_GAP_CHARS:
            break
        picked.append(" " if i - last > 1 else "")
        picked.append(chars[i][0])
        last = i
    return " ".join("".join(picked).split())


def _blocks(document, parsed: ParsedFile) -> Iterator[Block]:
    """Pages in order. The page count PDFium reports is the one the file declares (/Count), which may be far more
    than the page objects it has: a page that cannot be loaded at all is counted as missing, not warned about one
    by one, and `parsed.page_count` becomes the number of pages that exist."""
    import pypdfium2 as pdfium

    warnings, declared = parsed.warnings, len(document)
    yielded, scans_skipped, missing = 0, 0, 0
    unsure: dict[int, float] = {}  # page -> OCR confidence, for pages read with low confidence
    try:
        for number in range(1, declared + 1):
            limits.checkpoint()
            try:
                with PDFIUM:
                    page = document[number - 1]
            except pdfium.PdfiumError:
                missing += 1
                continue
            try:
                block = _page_block(page, number, warnings, unsure)
            except ParseError as exc:
                if exc.reason != "converter_missing":
                    raise
                scans_skipped += 1
                warnings.append(FileWarning(W.PAGE_NEEDS_OCR, f"page {number} is a scanned image but OCR is not "
                                                              "installed: skipped", {"page": number}))
                continue
            except Exception as exc:  # PDFium on a damaged page object: keep the rest of the document
                error = type(exc).__name__
                warnings.append(FileWarning(W.PAGE_UNREADABLE, f"page {number} could not be read ({error}): skipped",
                                            {"page": number, "error": error}))
                continue
            if block is not None:
                yielded += 1
                yield block
    finally:
        with PDFIUM:
            document.close()
    if unsure:
        warnings.append(ocr.low_confidence_warning(unsure))
    if missing:
        parsed.page_count = declared - missing
        counts = {"declared": declared, "missing": missing, "found": declared - missing}
        warnings.insert(0, FileWarning(W.PAGES_MISSING, MISSING_PAGES.format(**counts), counts))
    if not yielded and scans_skipped:
        raise ParseError(*ocr.NOT_INSTALLED)


def _page_block(page, number: int, warnings: Warnings, unsure: dict[int, float]) -> Block | None:
    """The page's text, or what OCR reads on it when it is a scan; closes the page."""
    with PDFIUM:
        try:
            text = _page_text(page)
            scan = _scan_image(page) if _needs_ocr(page, text) else None
        finally:
            page.close()
    if scan is not None:
        reading = ocr.image_reading(scan)
        scanned = reading.text
        if len(scanned) > len(text.strip()):
            if ocr.is_unsure(reading):
                unsure[number] = reading.confidence
            return Block(text=scanned, page=number, location=f"p. {number} (OCR)")
        if not text.strip():
            warnings.append(FileWarning(W.PAGE_NO_TEXT, f"page {number}: a scanned image in which OCR found no "
                                                        "text", {"page": number}))
    return Block(text=text, page=number, location=f"p. {number}") if text.strip() else None


def _page_text(page) -> str:
    textpage = page.get_textpage()
    try:
        raw = textpage.get_text_range()
    finally:
        textpage.close()
    text = CONTROL.sub("", SOFT_HYPHEN.sub("", raw.replace("\r\n", "\n").replace("\r", "\n")))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip()


def _needs_ocr(page, text: str) -> bool:
    """True when the text layer is not usable and the page shows ink that it does not explain. Ink under a short
    text layer's own characters is masked, so a page holding only a title is not OCR'd; a layer of unmapped
    glyphs masks nothing (its glyphs are the ink OCR must read)."""
    state = text_state(text)
    if state == "usable":
        return False
    return _ink_share(page, mask_text=state == "short") >= MIN_INK_SHARE


def text_state(text: str) -> str:
    """"usable", "short" (fewer than MIN_TEXT_CHARS visible characters) or "unmapped" (a third or more of them are
    glyphs without Unicode)."""
    visible = len(text) - text.count(" ") - text.count("\n")
    if visible and len(UNMAPPED.findall(text)) >= visible / 3:
        return "unmapped"
    return "usable" if visible >= MIN_TEXT_CHARS else "short"


def _ink_share(page, mask_text: bool) -> float:
    """The share of a small greyscale render's pixels darker than INK_LEVEL, outside the text layer's boxes when
    `mask_text` (and the page is not rotated: the boxes are in unrotated page space)."""
    from PIL import ImageDraw

    width, height = page.get_size()
    if width <= 0 or height <= 0:
        return 0.0
    scale = INK_CHECK_PX / max(width, height)
    bitmap = page.render(scale=scale, grayscale=True)
    try:
        image = bitmap.to_pil().convert("L")
    finally:
        bitmap.close()
    if mask_text and page.get_rotation() == 0:
        draw = ImageDraw.Draw(image)
        x0, _, _, y1 = page.get_bbox()  # the rendered box: its origin need not be (0, 0)
        for left, bottom, right, top in _text_rects(page):
            draw.rectangle(((left - x0) * scale, (y1 - top) * scale, (right - x0) * scale, (y1 - bottom) * scale),
                           fill=255)
    histogram = image.histogram()
    return sum(histogram[:INK_LEVEL]) / max(1, image.width * image.height)


def _text_rects(page) -> list[tuple[float, float, float, float]]:
    textpage = page.get_textpage()
    try:
        return [textpage.get_rect(index) for index in range(textpage.count_rects())]
    finally:
        textpage.close()


def _scan_image(page):
    """The page rendered for OCR, as an image of its own (PDFium's buffer is freed here; OCR runs without the lock)."""
    ocr.require()
    width, height = page.get_size()
    scale = min(OCR_DPI / 72, ocr.MAX_SIDE_PX / max(width, height, 1))
    bitmap = page.render(scale=scale)  # colour: Tesseract binarises it better than PDFium's greyscale
    try:
        return bitmap.to_pil().copy()
    finally:
        bitmap.close()
