"""Files recognised from their bytes that cannot be read as they are: each fails with what the person can do."""

from pathlib import Path

from ingestion.detect import detect_type
from ingestion.types import ParsedFile, ParseError

ENCRYPTED_OFFICE = ("encrypted (password required): this Office file is protected with a password to open; "
                    "open it, remove the password (File › Info › Protect) and upload again")
CORRUPT_ZIP = ("corrupt: the file is truncated or damaged (its ZIP container cannot be opened); "
               "upload the original file again or save a new copy from its application")
CORRUPT_OLE = ("corrupt: the file is truncated or damaged (its Office 97–2003 container cannot be opened); "
               "upload the original file again or save a new copy from its application")


def parse(path: Path) -> ParsedFile:
    kind = detect_type(path)
    if kind == "encrypted-ooxml":
        raise ParseError("encrypted", ENCRYPTED_OFFICE)
    if kind == "corrupt-zip":
        raise ParseError("corrupt", CORRUPT_ZIP)
    raise ParseError("corrupt", CORRUPT_OLE)
