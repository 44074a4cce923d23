"""Plain text and Markdown in any encoding. Markdown headings become the heading path."""

import codecs
import re
import unicodedata
from collections.abc import Iterable, Iterator
from pathlib import Path

from ingestion.types import Block, ParsedFile, ParseError

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Single-byte Latin code pages that charset detection confuses with each other on short texts. Windows-1252 is
# what Portuguese and English files from Windows machines are in, and it decodes the same accents that
# Latin-1 does; Windows-1250 (a frequent wrong guess) turns "ã" into "ă" and "õ" into "ő".
LATIN_CODEPAGES = {
    "cp1250", "cp1252", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_2", "iso8859_3", "iso8859_4",
    "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15", "iso8859_16", "mac_roman",
    "mac_latin2", "mac_iceland", "mac_turkish", "cp437", "cp850", "cp852", "cp858", "cp775", "cp860", "cp863",
}
TEXT_SAMPLE_CHARS = 8192
NOT_TEXT_CATEGORIES = {"Cc", "Cn", "Co", "Cs"}  # U+FFFD (a byte nobody could decode) is "So": counted apart
TEXT_CONTROLS = "\t\n\r\x0b\x0c\x1b"  # tabs, line and page breaks, and ANSI colour codes in logs
MAX_UNREADABLE_SHARE = 0.01


def decode(data: bytes, partial: bool = False) -> str:
    """Decode bytes whose encoding nobody wrote down (UTF-8/16/32, CP1252, Latin-1, CP866…).

    `partial=True` is for a file's first bytes: a character cut at the end is dropped instead of failing.
    """
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="ignore" if partial else "replace")
    utf16 = utf16_without_bom(data)
    if utf16:
        return data.decode(utf16, errors="replace")
    try:
        return _decode_utf8_head(data) if partial else data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    return _guess_single_byte(data)


def _decode_utf8_head(data: bytes) -> str:
    """UTF-8 if the head is UTF-8 up to a character cut at the end; raises UnicodeDecodeError otherwise."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 3:
            raise
        return data[: exc.start].decode("utf-8")


def utf16_without_bom(data: bytes) -> str:
    """"utf-16-le"/"utf-16-be" when the bytes look like UTF-16 text without a BOM (a zero in every other byte)."""
    sample = data[:4096]
    if len(sample) < 8 or len(sample) % 2:
        return ""
    even_zeros = sample[0::2].count(0) / len(sample[0::2])
    odd_zeros = sample[1::2].count(0) / len(sample[1::2])
    if odd_zeros > 0.4 and even_zeros < 0.05:
        return "utf-16-le"
    if even_zeros > 0.4 and odd_zeros < 0.05:
        return "utf-16-be"
    return ""


def looks_like_text(text: str) -> bool:
    """False for bytes that decoded to noise: random or encrypted data, a damaged binary, a format read as the
    wrong one. Judged by the share of characters that no text holds: control characters (bytes 1-31 stay
    controls in every 8-bit code page), unassigned, surrogate or private-use code points, and bytes nobody could
    decode. Random bytes give 2-20% of them whatever the decoder picks; text gives none, bar a stray one.
    (The share of letters, or charset_normalizer's mess ratio, would also flag an all-capitals CSV of numbers.)"""
    sample = text[:TEXT_SAMPLE_CHARS]
    unreadable = sum(1 for ch in sample if ch == "\ufffd" or (ch not in TEXT_CONTROLS
                                                              and unicodedata.category(ch) in NOT_TEXT_CATEGORIES))
    return unreadable <= max(1, len(sample) * MAX_UNREADABLE_SHARE)  # one stray character is not noise


def _guess_single_byte(data: bytes) -> str:
    from charset_normalizer import from_bytes
    from charset_normalizer.md import mess_ratio

    best = from_bytes(data).best()
    if best is None:
        return data.decode("cp1252", errors="replace")
    if best.encoding in LATIN_CODEPAGES and best.encoding != "cp1252":
        try:
            western = data.decode("cp1252")
        except UnicodeDecodeError:
            return str(best)
        if mess_ratio(western, maximum_threshold=1.0) <= best.chaos + 0.01:
            return western
    return str(best)


def read_text(path: Path) -> str:
    """A text file's content with newlines normalised; ParseError("empty") when there is nothing but blanks."""
    text = decode(path.read_bytes()).replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise ParseError("empty", "no text found: the file contains only blank space")
    return text


def parse(path: Path) -> ParsedFile:
    return ParsedFile(blocks=list(markdown_blocks(read_text(path))), page_count=None)


def markdown_blocks(text: str, heading_path: Iterable[str] = ()) -> Iterator[Block]:
    """Split on blank lines; a Markdown heading opens a new section and extends the heading path."""
    outer = tuple(heading_path)
    path: list[tuple[int, str]] = []
    for para in re.split(r"\n\s*\n", text):
        para = para.strip("\n")
        if not para.strip():
            continue
        match = HEADING.match(para.split("\n", 1)[0])
        if match:
            level, title = len(match.group(1)), match.group(2)
            path = [(lvl, t) for lvl, t in path if lvl < level] + [(level, title)]
            yield Block(text=para, heading_path=outer + tuple(t for _, t in path), kind="heading")
            continue
        kind = "table" if _is_markdown_table(para) else "text"
        yield Block(text=para, heading_path=outer + tuple(t for _, t in path), kind=kind)


def _is_markdown_table(para: str) -> bool:
    lines = para.splitlines()
    return len(lines) >= 2 and all(line.lstrip().startswith("|") for line in lines)
