"""ZIP containers (DOCX, XLSX, PPTX, ODF, EPUB) opened without letting a small file expand into a huge one.

`check_expansion` runs before a parser opens the file: the sizes the central directory declares must add up to at
most the limit, and every member's data must expand to no more than its declared size. The second check matters
because the document libraries read a member whole (`ZipFile.read`), and Python's zipfile then decompresses up to
1 GiB at once before it cuts the data to the declared size: a member declaring 1 KB could still cost 1 GB. Once both
hold, what any reader of the archive can expand is bounded by the limit. Our own reads go through `read_member`,
which reads at most what it may (never a whole member on trust).
"""

import struct
import zipfile
import zlib
from pathlib import Path

from ingestion.types import ParseError

TOO_LARGE = ("too large: the {kind} file unpacks to more than {limit_mb} MB (MAX_UNZIPPED_MB); "
             "remove large embedded files (videos, images) or split it, or raise the limit")
LYING = ("corrupt: a part of the {kind} file ({name}) holds more data than the file says it does; "
         "open it in its application, save a new copy and upload that")
UNSUPPORTED_COMPRESSION = ("corrupt: a part of the {kind} file ({name}) uses a compression Office files never use; "
                           "open it in its application, save a new copy and upload that")
LOCAL_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile's own layout of a member's local header
PIECE = 1024 * 1024


def check_expansion(path: Path, *, max_bytes: int, kind: str) -> None:
    """Raise ParseError("too_large") when the archive would unpack to more than `max_bytes`, or ("corrupt") when a
    member's data holds more than it declares. A file that is not a readable ZIP is left to its parser."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with archive, path.open("rb") as raw:
        members = archive.infolist()
        if sum(member.file_size for member in members) > max_bytes:
            raise ParseError("too_large", TOO_LARGE.format(kind=kind.upper(), limit_mb=max_bytes // 2**20))
        for member in members:
            _check_member(raw, member, kind)


def read_member(archive: zipfile.ZipFile, name: str, *, max_bytes: int, kind: str) -> bytes:
    """A member's bytes, refusing one that declares more than `max_bytes`; the read stops there whatever it holds."""
    info = archive.getinfo(name)
    if info.file_size > max_bytes:
        raise ParseError("too_large", TOO_LARGE.format(kind=kind.upper(), limit_mb=max_bytes // 2**20))
    with archive.open(info) as member:
        return member.read(max_bytes)


def _check_member(raw, member: zipfile.ZipInfo, kind: str) -> None:
    if member.compress_type == zipfile.ZIP_STORED:
        return  # stored data is as long as it says: zipfile reads compress_size bytes
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise ParseError("corrupt", UNSUPPORTED_COMPRESSION.format(kind=kind.upper(), name=member.filename))
    raw.seek(member.header_offset)
    header = raw.read(LOCAL_HEADER.size)
    if len(header) < LOCAL_HEADER.size:
        return  # a truncated file: the parser reports it as damaged
    fields = LOCAL_HEADER.unpack(header)
    raw.seek(member.header_offset + LOCAL_HEADER.size + fields[-2] + fields[-1])  # past the name and extra field
    inflater, left, expanded = zlib.decompressobj(-zlib.MAX_WBITS), member.compress_size, 0
    while left > 0 and not inflater.eof:
        data = raw.read(min(PIECE, left))
        if not data:
            break
        left -= len(data)
        while data and not inflater.eof:
            try:
                expanded += len(inflater.decompress(data, PIECE))
            except zlib.error:
                return  # damaged data: zipfile's own CRC check makes the parser report it
            if expanded > member.file_size:
                raise ParseError("corrupt", LYING.format(kind=kind.upper(), name=member.filename))
            data = inflater.unconsumed_tail
