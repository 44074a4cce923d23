"""Word 97–2003 / Word 6 (.doc), PowerPoint 97–2003 (.ppt) and WordPerfect files, converted by LibreOffice
running headless to .docx / .pptx and then read by those parsers (same headings, lists, tables, slides).

Needs the `soffice` program (Debian: libreoffice-writer-nogui, libreoffice-impress-nogui); without it the file fails
with reason "converter_missing". LibreOffice runs offline (see ingestion.parsers.offline): a picture linked by
address is not fetched.
"""

import os
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
MISSING = ("converter_missing", "converter missing: legacy Office files (.doc, .ppt) are converted with LibreOffice, "
           "which is not installed here; save the file as .docx/.pptx and upload that, or ask the administrator "
           "to run scripts/system_packages.sh")
ENCRYPTED = ("encrypted (password required): the file is protected with a password; open it, remove the password "
             "and upload again")


def parse(path: Path) -> ParsedFile:
    import importlib

    kind = detect_type(path)
    suffix, target, module_name = TARGETS[kind]
    if _encrypted(path, kind):
        raise ParseError("encrypted", ENCRYPTED)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise ParseError(*MISSING)
    module = importlib.import_module(f"ingestion.parsers.{module_name}")
    with tempfile.TemporaryDirectory(prefix="acervo-convert-") as folder:
        source = Path(folder) / f"source.{suffix}"
        shutil.copyfile(path, source)
        converted = _convert(soffice, source, target)
        parsed = module.parse(converted)
        blocks = list(parsed.blocks)  # read before the folder goes
    return ParsedFile(blocks=blocks, page_count=parsed.page_count, warnings=parsed.warnings)


def _convert(soffice: str, source: Path, target: str) -> Path:
    command = offline.command([soffice, "--headless", "--norestore", "--nolockcheck",
                               f"-env:UserInstallation={offline.profile().as_uri()}",
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
    if not converted.exists():
        detail = output.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
        raise ParseError("corrupt", f"corrupt: LibreOffice could not read the file ({detail[0][:200]}); "
                                    "open it in its application, save it as .docx/.pptx and upload that")
    return converted


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
