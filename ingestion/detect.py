"""Which format a file really is, from its bytes; the extension only breaks ties between text formats.

Containers are opened to tell their members apart: a ZIP is DOCX/PPTX/XLSX (by its `word/`, `ppt/`, `xl/` parts),
ODF or EPUB (by its `mimetype` member); an OLE2 compound file is DOC/XLS/PPT/MSG (by its streams) or a
password-protected OOXML file (an `EncryptionInfo` + `EncryptedPackage` pair). A container that cannot be opened
is reported as `corrupt-zip` / `corrupt-ole` so the caller can say so instead of "unsupported".

Bytes that match no format and are not text are `garbled` when they look like noise (random, encrypted or
damaged data: a head with near-maximal entropy, or one that decodes only to gibberish), so the file fails
with that reason instead of being refused as an unknown format or, worse, indexed as pages of noise.
"""

import math
import re
import struct
import zipfile
from pathlib import Path

HEAD_SIZE = 8192
NOISE_ENTROPY_BITS = 7.5  # per byte, of the head: random and encrypted data score ~8, file formats with headers less
MIMETYPE_BYTES = 100  # an ODF or EPUB `mimetype` member is one short line
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/epub+zip": "epub",
}
OOXML_FOLDERS = (("word/", "docx"), ("ppt/", "pptx"), ("xl/", "xlsx"))
IMAGE_TYPES = {"png", "jpg", "tif", "gif", "bmp", "webp"}
TEXT_BY_SUFFIX = {
    ".md": "markdown", ".markdown": "markdown",
    ".csv": "csv", ".tsv": "csv",
    ".html": "html", ".htm": "html", ".xhtml": "html",
    ".eml": "eml", ".mbox": "eml",
    ".txt": "text", ".text": "text", ".log": "text",
}
MAIL_HEADER = re.compile(
    r"^(From \S+ .*\d{4}\s*\n|"  # an mbox separator line
    r"(received|return-path|from|to|subject|date|message-id|mime-version|delivered-to|x-[\w-]+):[ \t])",
    re.IGNORECASE,
)
HTML_START = re.compile(r"^\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)[\s>]", re.I | re.S)


def detect_type(path: Path) -> str:
    """Return a type name such as "pdf", "docx", "msg", "encrypted-ooxml", "image", "csv", "text", or a name
    for what is recognised but not parsed ("zip", "binary", ...). Never raises for unreadable content."""
    with path.open("rb") as f:
        head = f.read(HEAD_SIZE)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(OLE_MAGIC):
        return _ole_type(path)
    if head.startswith(ZIP_MAGICS):
        return _zip_type(path, head)
    if head.lstrip().startswith(b"{\\rtf"):
        return "rtf"
    if head.startswith(b"\xffWPC"):
        return "wordperfect"
    binary_kind = _binary_kind(head)
    if binary_kind in IMAGE_TYPES:
        return "image"
    if binary_kind:
        return binary_kind
    if _looks_binary(head):
        return "garbled" if _entropy(head) >= NOISE_ENTROPY_BITS else "binary"
    return _text_type(path, head)


def _ole_type(path: Path) -> str:
    import olefile  # only compound files need it

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile raises plain OSError / struct errors on damaged headers
        return "corrupt-ole"
    if {"EncryptionInfo", "EncryptedPackage"} <= streams:
        return "encrypted-ooxml"
    if "WordDocument" in streams:
        return "doc"
    if streams & {"Workbook", "Book"}:
        return "xls"
    if "PowerPoint Document" in streams:
        return "ppt"
    if "__properties_version1.0" in streams or any(s.startswith("__substg1.0_") for s in streams):
        return "msg"
    return "ole"


def _zip_type(path: Path, head: bytes) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            mimetype = _head_of(archive, "mimetype") if "mimetype" in names else ""
    except (zipfile.BadZipFile, OSError, KeyError, EOFError):
        # A truncated package: its central directory is gone, but the local headers at the start still name
        # the first members, enough to tell the user which kind of file is damaged.
        kind = _zip_members_type(_local_header_names(head), "")
        return kind if kind != "zip" else "corrupt-zip"
    return _zip_members_type(names, mimetype)


def _head_of(archive: zipfile.ZipFile, name: str) -> str:
    """The first bytes of a member as text: a bounded read, however large the member says or turns out to be.
    (zipfile bounds what it inflates per read for stored and deflated data only: ODF and EPUB use nothing else.)"""
    if archive.getinfo(name).compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return ""
    with archive.open(name) as member:
        return member.read(MIMETYPE_BYTES).decode("ascii", "replace").strip()


def _local_header_names(head: bytes) -> list[str]:
    names = []
    for match in re.finditer(rb"PK\x03\x04", head):
        start = match.start()
        if start + 30 > len(head):
            break
        (name_len,) = struct.unpack_from("<H", head, start + 26)
        names.append(head[start + 30 : start + 30 + name_len].decode("utf-8", "replace"))
    return names


def _zip_members_type(names: list[str], mimetype: str) -> str:
    if mimetype in ODF_MIMETYPES:
        return ODF_MIMETYPES[mimetype]
    if "META-INF/container.xml" in names and any(n.endswith(".opf") for n in names):
        return "epub"
    if any(n.startswith("[Content_Types].xml") for n in names) or any(n.startswith("_rels/") for n in names):
        for folder, kind in OOXML_FOLDERS:
            if any(n.startswith(folder) for n in names):
                return kind
    return "zip"


def _binary_kind(head: bytes) -> str:
    import filetype  # magic-number tables for the formats we do not open ourselves

    guess = filetype.guess(head)
    return guess.extension if guess is not None else ""


def _looks_binary(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff", b"\xef\xbb\xbf", b"\x00\x00\xfe\xff")):
        return False  # a byte-order mark: UTF-8/16/32 text
    from ingestion.parsers.text import utf16_without_bom

    if utf16_without_bom(head):
        return False
    return b"\x00" in head


def _entropy(head: bytes) -> float:
    counts = [head.count(byte) for byte in set(head)]
    return -sum(n / len(head) * math.log2(n / len(head)) for n in counts)


def _text_type(path: Path, head: bytes) -> str:
    from ingestion.parsers.text import decode, looks_like_text  # the same decoder the text parsers use

    start = decode(head, partial=True).lstrip("\ufeff")
    if not looks_like_text(start):
        return "garbled"
    if HTML_START.match(start):
        return "html"
    by_suffix = TEXT_BY_SUFFIX.get(path.suffix.lower())
    if by_suffix:
        return by_suffix
    if MAIL_HEADER.match(start) and "\n\n" in start.replace("\r\n", "\n"):
        return "eml"
    return "text"
