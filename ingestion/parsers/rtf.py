"""Rich Text Format (.rtf) through striprtf; table cells come out as "a | b" rows."""

import re
from pathlib import Path

from ingestion.parsers.text import markdown_blocks
from ingestion.types import ParsedFile

CODEPAGE = re.compile(rb"\\ansicpg(\d+)")


def parse(path: Path) -> ParsedFile:
    from striprtf.striprtf import rtf_to_text

    data = path.read_bytes()
    encoding = _encoding(data)
    text = rtf_to_text(data.decode(encoding, errors="replace"), encoding=encoding, errors="replace")
    text = text.replace("\ufeff", "").replace("\r\n", "\n")
    text = re.sub(r"(?m)^(.*\|.*)\|[ \t]*$", lambda m: " | ".join(c.strip() for c in m.group(1).split("|")), text)
    return ParsedFile(blocks=list(markdown_blocks(text)), page_count=None)


def _encoding(data: bytes) -> str:
    match = CODEPAGE.search(data[:4096])
    encoding = f"cp{match.group(1).decode()}" if match else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        return "cp1252"
    return encoding
