"""Hostile files for the ingestion tests, made small inside each test: bombs that declare or unpack to far more
than they hold. Made with the format's own library, then one member rewritten where the library would refuse."""

import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from django.core.files.base import ContentFile

from webapp.documents.models import Document


def word_file(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def rewrite_member(path: Path, name: str, change: Callable[[bytes], bytes]) -> Path:
    """The same ZIP with one member's content changed (compressed as the others)."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            target.writestr(info.filename, change(data) if info.filename == name else data)
    return path


def add_member(path: Path, name: str, size: int, *, declared: int | None = None) -> Path:
    """Append `size` zero bytes as a deflated member; with `declared`, its headers claim that size (and the CRC of
    that many zeros) instead, as a crafted file would."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=False) as member:
            for _ in range(size // 2**20):
                member.write(bytes(2**20))
            member.write(bytes(size % 2**20))
    if declared is not None:
        _declare(path, name, declared)
    return path


def _declare(path: Path, name: str, size: int) -> None:
    data = bytearray(path.read_bytes())
    crc = zlib.crc32(bytes(size))
    with zipfile.ZipFile(path) as archive:
        offset, entry = archive.getinfo(name).header_offset, archive.start_dir
    assert not data[offset + 6] & 0x08, "sizes in a data descriptor: not handled here"
    struct.pack_into("<L", data, offset + 14, crc)  # local header: CRC, compressed size, size
    struct.pack_into("<L", data, offset + 22, size)
    while data[entry + 46 : entry + 46 + len(name)] != name.encode():  # walk the central directory to its entry
        entry += 46 + sum(struct.unpack_from("<3H", data, entry + 28))
    struct.pack_into("<L", data, entry + 16, crc)
    struct.pack_into("<L", data, entry + 24, size)
    path.write_bytes(bytes(data))


def stored_document(collection, path: Path) -> Document:
    document = Document(collection=collection, title=path.stem, original_name=path.name, sha256=path.name,
                        size_bytes=path.stat().st_size)
    document.file.save(path.name, ContentFile(path.read_bytes()), save=False)
    document.save()
    return document
