"""E-mail: RFC 822 messages (.eml, stdlib `email`) and Outlook messages (.msg, python-oxmsg).

Blocks: the headers (From, To, Cc, Date, Subject), the body (plain text preferred, else the HTML part), then the
text of each attachment parsed as a file of its own, located "attachment: <name>". An attachment that cannot be
read is skipped with a warning; an encrypted message (S/MIME, PGP) fails as encrypted.
"""

import codecs
import contextvars
import email
import email.policy
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path, PurePath

from ingestion.parsers.text import BOMS, decode, markdown_blocks
from ingestion.types import Block, ParsedFile, ParseError, Warnings
from retrieval.contracts import warnings as W
from retrieval.contracts.warnings import FileWarning

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_DEPTH = 3  # a message attached to a message attached to a message: deeper than this is skipped
ENCRYPTED = ("encrypted (S/MIME or PGP): the message body is encrypted for its recipient; forward or export it "
             "decrypted from the mail client and upload that")
ENCRYPTED_TYPES = {"application/pkcs7-mime", "application/x-pkcs7-mime", "application/pgp-encrypted",
                   "multipart/encrypted"}
SKIPPED_TYPES = {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
HEADERS = ("From", "To", "Cc", "Date", "Subject")
_depth = contextvars.ContextVar("mail_depth", default=0)


def _windows_codepages(name: str):
    """Outlook names code pages "windows-950", "windows-936"…; Python knows them as cp950, cp936."""
    match = re.fullmatch(r"windows[-_](\d+)", name)
    if match:
        try:
            return codecs.lookup(f"cp{match.group(1)}")
        except LookupError:
            return None
    return None


codecs.register(_windows_codepages)


def parse(path: Path) -> ParsedFile:
    with path.open("rb") as f:
        is_msg = f.read(8) == OLE_MAGIC
    parsed = ParsedFile(blocks=[], page_count=None)
    message = _read_msg(path) if is_msg else _read_eml(path)
    parsed.blocks = list(_blocks(message, parsed.warnings))
    return parsed


class _Message:
    def __init__(self, headers: dict[str, str], plain: str, html: str, attachments: list[tuple[str, bytes]]):
        self.headers, self.plain, self.html, self.attachments = headers, plain, html, attachments


def _blocks(message: _Message, warnings: Warnings) -> Iterator[Block]:
    subject = message.headers.get("Subject", "")
    heading = (subject,) if subject else ()
    header_text = "\n".join(f"{name}: {value}" for name, value in message.headers.items() if value)
    body_blocks = list(_body_blocks(message, heading))
    if not body_blocks and not message.attachments and not subject:
        return  # headers alone (addresses and a date) are not a document
    if header_text:
        yield Block(text=header_text, location="message headers", heading_path=heading)
    yield from body_blocks
    for name, data in message.attachments:
        yield from _attachment_blocks(name, data, heading, warnings)


def _body_blocks(message: _Message, heading: tuple[str, ...]) -> Iterator[Block]:
    from ingestion.parsers.webpage import html_blocks

    if message.plain.strip():
        text = message.plain.replace("\r\n", "\n").replace("\r", "\n")
        yield from markdown_blocks(text, heading)
    elif message.html.strip():
        yield from html_blocks(message.html, main_content=False, heading_path=heading)


def _attachment_blocks(name: str, data: bytes, heading: tuple[str, ...], warnings: Warnings) -> Iterator[Block]:
    from ingestion.parsers import parse_file

    if _depth.get() >= MAX_DEPTH or not data:
        return
    token = _depth.set(_depth.get() + 1)
    try:
        with tempfile.TemporaryDirectory(prefix="acervo-attachment-") as folder:
            path = Path(folder) / (PurePath(name).name or "attachment")
            path.write_bytes(data)
            parsed = parse_file(path)
            inner = list(parsed.blocks)
    except ParseError as exc:
        warnings.append(FileWarning(W.ATTACHMENT_SKIPPED, f"attachment {name} skipped: {exc.message}",
                                    {"name": name, "reason": exc.reason}))
        return
    finally:
        _depth.reset(token)
    for block in inner:
        where = f"attachment: {name}" + (f", {block.location}" if block.location else "")
        yield Block(text=block.text, location=where, heading_path=heading + (name,) + block.heading_path,
                    kind=block.kind)


def _read_eml(path: Path) -> _Message:
    data = path.read_bytes()
    if data.startswith(tuple(bom for bom, _ in BOMS)) or data[:200].count(0) > 50:
        message = email.message_from_string(decode(data), policy=email.policy.default)  # a UTF-16 export
    else:
        message = email.message_from_bytes(data, policy=email.policy.default)
    if message.get_content_type() in ENCRYPTED_TYPES:
        raise ParseError("encrypted", ENCRYPTED)
    headers = {name: _header(message, name) for name in HEADERS}
    plain: list[str] = []
    html: list[str] = []
    attachments: list[tuple[str, bytes]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        filename = part.get_filename()
        if content_type in ENCRYPTED_TYPES and not plain and not html:
            raise ParseError("encrypted", ENCRYPTED)
        if filename or part.get_content_disposition() == "attachment":
            if content_type not in SKIPPED_TYPES and not _inline_image(part):
                attachments.append((filename or "attachment", bytes(part.get_payload(decode=True) or b"")))
        elif content_type == "text/plain":
            plain.append(_part_text(part))
        elif content_type == "text/html":
            html.append(_part_text(part))
    return _Message(headers, "\n\n".join(plain), "\n".join(html), attachments)


def _inline_image(part) -> bool:
    return part.get_content_maintype() == "image" and (part.get_content_disposition() == "inline" or part["Content-ID"])


def _header(message, name: str) -> str:
    try:
        value = message[name]
    except (ValueError, IndexError, AttributeError):  # a malformed header the policy cannot fold
        value = message.get_all(name, [""])[0] if hasattr(message, "get_all") else ""
    return " ".join(str(value or "").split())


def _part_text(part) -> str:
    try:
        return part.get_content()
    except (LookupError, UnicodeError, KeyError, AssertionError, AttributeError):
        return decode(part.get_payload(decode=True) or b"")


def _read_msg(path: Path) -> _Message:
    from oxmsg import Message

    message = Message.load(str(path))
    headers = {
        "From": _string8(str(message.sender or ""), message),
        "To": _string8("; ".join(_recipient(r) for r in message.recipients), message),
        "Date": message.sent_date.isoformat(sep=" ") if message.sent_date else "",
        "Subject": _string8(message.subject or "", message),
    }
    plain, html = message.body or "", message.html_body or ""
    if isinstance(html, bytes):
        html = decode(html)
    encrypted = message.message_class.upper().startswith("IPM.NOTE.SMIME") and "MULTIPARTSIGNED" not in \
        message.message_class.upper()
    attachments = []
    for attachment in message.attachments:
        mime = (attachment.mime_type or "").lower()
        name = attachment.file_name or "attachment"
        encrypted = encrypted or mime in ENCRYPTED_TYPES or name.lower().endswith((".p7m", ".pgp-encrypted"))
        if mime not in SKIPPED_TYPES and attachment.file_bytes:
            attachments.append((name, attachment.file_bytes))
    if encrypted and not (plain.strip() or html.strip()):
        raise ParseError("encrypted", ENCRYPTED)
    return _Message(headers, plain, html, attachments)


def _string8(value: str, message) -> str:
    """python-oxmsg reads 8-bit header strings as Latin-9 when the message names no code page of its own;
    Outlook wrote them in the body's code page (Big5, GBK, Shift-JIS…), so decode them again with that."""
    if value.isascii() or message.properties.int_prop_value(0x3FFD) is not None:
        return value
    try:
        return value.encode("iso-8859-15").decode(message.properties.body_encoding)
    except (UnicodeError, LookupError):
        return value


def _recipient(recipient) -> str:
    name, address = recipient.name or "", recipient.email_address or ""
    return f"{name} <{address}>" if name and address and name != address else name or address
