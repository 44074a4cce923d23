"""Files recognised from their bytes that cannot be read as they are (encrypted, damaged containers, noise):
each fails with what the person can do."""

from pathlib import Path

from ingestion.detect import detect_type
from ingestion.types import ParsedFile, ParseError

ENCRYPTED_OFFICE = ("encrypted (password required): this Office file is protected with a password to open; "
                    "open it, remove the password (File › Info › Protect) and upload again")
CORRUPT_ZIP = ("corrupt: the file is truncated or damaged (its ZIP container cannot be opened); "
               "upload the original file again or save a new copy from its application")
CORRUPT_OLE = ("corrupt: the file is truncated or damaged (its Office 97–2003 container cannot be opened); "
               "upload the original file again or save a new copy from its application")
GARBLED = ("corrupt: the file is not a valid {claimed} and its bytes are not readable text (damaged, encrypted by "
           "another program, or a different kind of file renamed); upload the original file again or save a new "
           "copy from the application that made it")


def parse(path: Path) -> ParsedFile:
    kind = detect_type(path)
    if kind == "garbled":
        raise ParseError("corrupt", GARBLED.format(claimed=_claimed(path)))
    if kind == "encrypted-ooxml":
        raise ParseError("encrypted", ENCRYPTED_OFFICE)
    if kind == "corrupt-zip":
        raise ParseError("corrupt", CORRUPT_ZIP)
    raise ParseError("corrupt", CORRUPT_OLE)


def garbled_message(name: str) -> str:
    """GARBLED for a file called `name`: what an upload of noise is told at once."""
    return GARBLED.format(claimed=_claimed(Path(name)))


def _claimed(path: Path) -> str:
    """What the name says the file is: "PDF", "TXT file", or "document" for a name without an extension."""
    suffix = path.suffix.lstrip(".").upper()
    if not suffix or len(suffix) > 5:
        return "document"
    return suffix if suffix == "PDF" else f"{suffix} file"
