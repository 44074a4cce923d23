"""EPUB e-books: the chapters in reading (spine) order, each read as content-only HTML."""

import posixpath
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

from ingestion import limits
from ingestion.archive import read_member
from ingestion.types import Block, ParsedFile, ParseError

NS = {
    "c": "urn:oasis:names:tc:opendocument:xmlns:container",
    "opf": "http://www.idpf.org/2007/opf",
    "enc": "http://www.w3.org/2001/04/xmlenc#",
}
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
ENCRYPTED = ("encrypted (DRM): the e-book's chapters are encrypted by its shop; upload a DRM-free copy "
             "(many publishers sell one) or the document it was made from")
CORRUPT = "corrupt: the EPUB is damaged ({detail}); upload the original file again"


def parse(path: Path) -> ParsedFile:
    try:
        archive = zipfile.ZipFile(path)
        chapters = _spine(archive)
    except (zipfile.BadZipFile, KeyError, IndexError, etree.XMLSyntaxError) as exc:
        raise ParseError("corrupt", CORRUPT.format(detail=type(exc).__name__)) from exc
    if _drm_protected(archive, chapters):
        archive.close()
        raise ParseError("encrypted", ENCRYPTED)
    return ParsedFile(blocks=_blocks(archive, chapters), page_count=None)


def _spine(archive: zipfile.ZipFile) -> list[str]:
    container = etree.fromstring(_read(archive, "META-INF/container.xml"), PARSER)
    opf_path = container.xpath("//c:rootfile/@full-path", namespaces=NS)[0]
    opf = etree.fromstring(_read(archive, opf_path), PARSER)
    base = posixpath.dirname(opf_path)
    items = {item.get("id"): item for item in opf.xpath("//opf:manifest/opf:item", namespaces=NS)}
    chapters = []
    for ref in opf.xpath("//opf:spine/opf:itemref/@idref", namespaces=NS):
        item = items.get(ref)
        if item is not None and "html" in (item.get("media-type") or ""):
            chapters.append(posixpath.normpath(posixpath.join(base, unquote(item.get("href")))))
    return chapters


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    return read_member(archive, name, max_bytes=limits.current().max_unzipped_bytes, kind="EPUB")


def _drm_protected(archive: zipfile.ZipFile, chapters: list[str]) -> bool:
    if "META-INF/encryption.xml" not in archive.namelist():
        return False
    encryption = etree.fromstring(_read(archive, "META-INF/encryption.xml"), PARSER)
    encrypted = {unquote(uri) for uri in encryption.xpath("//enc:CipherReference/@URI", namespaces=NS)}
    return any(chapter in encrypted for chapter in chapters)  # obfuscated fonts alone are not DRM


def _blocks(archive: zipfile.ZipFile, chapters: list[str]) -> Iterator[Block]:
    from ingestion.parsers.text import decode
    from ingestion.parsers.webpage import html_blocks

    try:
        for number, name in enumerate(chapters, start=1):
            if name not in archive.namelist():
                continue
            limits.checkpoint()
            for block in html_blocks(decode(_read(archive, name)), main_content=False):
                yield Block(text=block.text, location=f"section {number}", heading_path=block.heading_path,
                            kind=block.kind)
    finally:
        archive.close()
