"""Small legacy files made by the tests, byte by byte from the formats' published layouts (nothing here can write
them: LibreOffice reads WordPerfect but does not save it, and olefile cannot create a compound file)."""

import struct

SECTOR = 512
END, FREE, FAT_SECTOR, NONE = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def compound_file(stream_name: str, data: bytes) -> bytes:
    """An OLE2 compound file (version 3) holding one stream of 4096 bytes or more, so it lives in regular sectors and
    the file needs no mini stream: sector 0 is the FAT, sector 1 the directory, then the stream's sectors."""
    assert 4096 <= len(data) <= 120 * SECTOR
    sectors = -(-len(data) // SECTOR)
    fat = [FAT_SECTOR, END, *range(3, 3 + sectors - 1), END]
    fat += [FREE] * (SECTOR // 4 - len(fat))
    directory = (_entry("Root Entry", 5, child=1, start=END, size=0) + _entry(stream_name, 2, child=NONE, start=2,
                 size=len(data)) + _entry("", 0, child=NONE, start=0, size=0) * 2)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + struct.pack("<5H", 0x3E, 3, 0xFFFE, 9, 6) + bytes(6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, END, 0, END, 0) + struct.pack("<I", 0) + b"\xff" * 4 * 108)
    return header + struct.pack(f"<{len(fat)}I", *fat) + directory + data.ljust(sectors * SECTOR, b"\0")


def _entry(name: str, kind: int, *, child: int, start: int, size: int) -> bytes:
    encoded = (name + "\0").encode("utf-16-le") if name else b""
    return (encoded.ljust(64, b"\0") + struct.pack("<HBB3I", len(encoded), kind, 1, NONE, NONE, child) + bytes(36)
            + struct.pack("<IQ", start, size))


def wordperfect(paragraphs: list[str]) -> bytes:
    """A WordPerfect 5.1 document: the 16-byte prefix (magic, where the text starts, product 1 = WordPerfect, file
    type 10 = document, version 0.1, not encrypted), then the text with a hard return (0x0A) after each paragraph."""
    prefix = b"\xffWPC" + struct.pack("<I", 16) + bytes([1, 10, 0, 1]) + bytes(4)
    return prefix + b"".join(p.encode("cp437") + b"\x0a" for p in paragraphs)


def wordperfect_in_compound_file(paragraphs: list[str]) -> bytes:
    """WordPerfect as later suites save it inside a compound file (the `PerfectOffice_MAIN` stream), the way it often
    arrives named .doc; the first paragraph is repeated until the stream is long enough for `compound_file`."""
    document = wordperfect(paragraphs)
    while len(document) < 4096:
        document += paragraphs[0].encode("cp437") + b"\x0a"
    return compound_file("PerfectOffice_MAIN", document)
