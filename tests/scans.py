"""Scanned PDF pages for the OCR tests and bench/ocr_pages.py, written as raw PDF bytes in the shapes scanners and
"print to PDF" pipelines produce. Plain functions: no Django, so the bench can import them."""

import io

LINES = ["Boiler inspection report", "The pressure valve passed", "Signed by the manager"]
PAGE = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /XObject << /X1 5 0 R >> >> "
        b"/Contents 4 0 R >>")


def scan_image(width: int = 1700, height: int = 2200):
    """A 200 dpi letter page of black text on white, as a scanner delivers it."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=64)
    for number, line in enumerate(LINES):
        draw.text((150, 300 + number * 150), line, fill=0, font=font)
    return image


def stream(entries: bytes, data: bytes) -> bytes:
    return b"<< " + entries + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def one_page_pdf(*objects: bytes) -> bytes:
    """A one-page PDF: catalog, page tree, then the given page, its content and its resources (objects 3…)."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    bodies = (b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>") + objects
    for number, body in enumerate(bodies, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(bodies) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(bodies) + 1, xref))
    return out.getvalue()


def scan_in_a_scaled_form() -> bytes:
    """The scan drawn in a unit-square form XObject that the page scales to its size: PDFium reports the image's
    bounds in the form's space (1 × 1 point), so by its objects the page looked blank."""
    image, jpeg = scan_image(), io.BytesIO()
    image.save(jpeg, "JPEG", quality=80)
    return one_page_pdf(
        PAGE,
        stream(b"", b"q 612 0 0 792 0 0 cm /X1 Do Q"),
        stream(b"/Type /XObject /Subtype /Form /BBox [0 0 1 1] /Resources << /XObject << /Im1 6 0 R >> >>",
                b"/Im1 Do"),
        stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 "
                b"/Filter /DCTDecode" % image.size, jpeg.getvalue()),
    )


def fax_on_a_centred_page() -> bytes:
    """The scan as a 1-bit CCITT Group 4 image (what fax machines and office scanners write) on a page whose
    MediaBox has its origin at the centre: the image's bounds, clipped to a page assumed to start at (0, 0),
    covered a quarter of it."""
    from PIL import Image

    image, tiff = scan_image().convert("1"), io.BytesIO()
    image.save(tiff, "TIFF", compression="group4", tiffinfo={278: image.height})  # one strip: the whole page
    strip = Image.open(io.BytesIO(tiff.getvalue())).tag_v2
    data = tiff.getvalue()[strip[273][0]:strip[273][0] + strip[279][0]]
    width, height = image.size
    return one_page_pdf(
        PAGE.replace(b"[0 0 612 792]", b"[-306 -396 306 396]"),
        stream(b"", b"q 612 0 0 792 -306 -396 cm /X1 Do Q"),
        stream(b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 1 "
                b"/Filter /CCITTFaxDecode /DecodeParms << /K -1 /Columns %d /Rows %d >>"
                % (width, height, width, height), data),
    )


def blank_page() -> bytes:
    return one_page_pdf(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
                        stream(b"", b""))
