"""Word 97–2003 / Word 6 (.doc), PowerPoint 97–2003 (.ppt) and WordPerfect files, converted by LibreOffice
running headless to .docx / .pptx and then read by those parsers (same headings, lists, tables, slides).

A binary or compound (OLE2) file that detection does not recognise is also tried here before it is refused: LibreOffice
reads many legacy formats we never name (WordPerfect inside a compound file, Works, Write, Word for DOS, Lotus Word
Pro, StarOffice...). Its type is unknown, so it is converted to .docx first; when LibreOffice opened it but says it
has no such export filter (a presentation, a spreadsheet, a drawing) the next target is tried. The profile has no
plain-text import (ingestion.parsers.offline), so a file LibreOffice does not recognise fails to load instead of
being "converted" into its bytes as text.

Needs the `soffice` program (Debian: libreoffice-writer-nogui, libreoffice-impress-nogui); without it the file fails
with reason "converter_missing". LibreOffice runs offline (see ingestion.parsers.offline): a picture linked by
address is not fetched.
"""

import os
import re
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from ingestion.detect import detect_type
from ingestion.parsers import offline
from ingestion.types import ParsedFile, ParseError

TIMEOUT_S = 180
TARGETS = {"doc": ("doc", "docx", "word"), "wordperfect": ("wpd", "docx", "word"), "ppt": ("ppt", "pptx", "slides")}
# an unrecognised file: text documents, spreadsheets, presentations, then drawings (as PDF, one page each)
UNKNOWN_TARGETS = (("docx", "word"), ("xlsx", "xlsx"), ("pptx", "slides"), ("pdf", "pdf"))
NO_EXPORT_FILTER = "no export filter"  # what LibreOffice prints when the document loaded but is not of that kind
UNRECOGNISED = ("unsupported file type ({kind}): neither Acervo nor LibreOffice recognises it ({detail}); if it is a "
                "document, open it in its application, save it as .docx, .odt or .pdf and upload that")
UNRECOGNISED_NO_CONVERTER = ("unsupported file type ({kind}): Acervo does not read it itself, and LibreOffice, which "
                             "reads many older formats, is not installed here; save it as .docx, .odt or .pdf and "
                             "upload that, or ask the administrator to run scripts/system_packages.sh")
MISSING = ("converter_missing", "converter missing: legacy Office files (.doc, .ppt) are converted with LibreOffice, "
           "which is not installed here; save the file as .docx/.pptx and upload that, or ask the administrator "
           "to run scripts/system_packages.sh")
ENCRYPTED = ("encrypted (password required): the file is protected with a password; open it, remove the password "
             "and upload again")


def parse(path: Path) -> ParsedFile:
    kind = detect_type(path)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if kind not in TARGETS:
        if soffice is None:
            raise ParseError("unsupported", UNRECOGNISED_NO_CONVERTER.format(kind=kind))
        return _parse_unrecognised(soffice, path, kind)
    suffix, target, module_name = TARGETS[kind]
    if _encrypted(path, kind):
        raise ParseError("encrypted", ENCRYPTED)
    if soffice is None:
        raise ParseError(*MISSING)
    with tempfile.TemporaryDirectory(prefix="acervo-convert-") as folder:
        source = Path(folder) / f"source.{suffix}"
        shutil.copyfile(path, source)
        return _read(_convert(soffice, source, target), module_name)


def _parse_unrecognised(soffice: str, path: Path, kind: str) -> ParsedFile:
    """Raises ParseError("unsupported") when LibreOffice cannot load the file (nothing is indexed)."""
    # the name's extension is only a hint to LibreOffice's own detection, which reads the content
    suffix = path.suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,8}", path.suffix) else ".bin"
    with tempfile.TemporaryDirectory(prefix="acervo-convert-") as folder:
        source = Path(folder) / f"source{suffix.lower()}"
        shutil.copyfile(path, source)
        for target, module_name in UNKNOWN_TARGETS:
            converted, output = _run(soffice, source, target)
            if converted is not None:
                return _read(converted, module_name)
            if NO_EXPORT_FILTER not in output:
                break
    raise ParseError("unsupported", UNRECOGNISED.format(kind=kind, detail=_last_line(output)))


def _read(converted: Path, module_name: str) -> ParsedFile:
    import importlib

    parsed = importlib.import_module(f"ingestion.parsers.{module_name}").parse(converted)
    blocks = list(parsed.blocks)  # read before the folder goes
    return ParsedFile(blocks=blocks, page_count=parsed.page_count, warnings=parsed.warnings)


def _convert(soffice: str, source: Path, target: str) -> Path:
    converted, output = _run(soffice, source, target)
    if converted is None:
        raise ParseError("corrupt", f"corrupt: LibreOffice could not read the file ({_last_line(output)}); "
                                    "open it in its application, save it as .docx/.pptx and upload that")
    return converted


def _run(soffice: str, source: Path, target: str) -> tuple[Path | None, str]:
    """The converted file (None if LibreOffice wrote none) and what LibreOffice printed."""
    with offline.profile() as profile:
        command = offline.command([soffice, "--headless", "--norestore", "--nolockcheck",
                                   f"-env:UserInstallation={profile.as_uri()}",
                                   "--convert-to", target, "--outdir", str(source.parent), str(source)])
        # its own session, so a hung conversion can be killed with the soffice.bin it started
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                                   env=offline.environment())
        try:
            output, _ = process.communicate(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.communicate()
            raise ParseError("corrupt", f"corrupt: LibreOffice did not finish converting the file in {TIMEOUT_S} s; "
                                        "save it as .docx/.pptx and upload that") from None
    converted = source.with_suffix(f".{target}")
    return (converted if converted.exists() else None), output.decode("utf-8", "replace")


def _last_line(output: str) -> str:
    lines = output.strip().splitlines()
    return lines[-1][:200] if lines else "no output"


def _encrypted(path: Path, kind: str) -> bool:
    """Password-protected binary Office files: conversion would fail without saying why."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if kind == "ppt":
                return ole.exists("EncryptedSummary")
            if kind == "doc" and ole.exists("WordDocument"):
                fib = ole.openstream("WordDocument").read(12)
                return len(fib) >= 12 and bool(int.from_bytes(fib[10:12], "little") & 0x0100)  # FIB fEncrypted
    except OSError:
        return False
    return False
