"""Excel 2007+ workbooks (.xlsx, .xlsm): one table block per ~30 rows, sheet number as page, header repeated."""

import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ingestion.parsers.tables import table_blocks
from ingestion.types import Block, ParsedFile, ParseError

# openpyxl warns about every drawing, validation or formatting extension it skips: none of them hold text we read
warnings.filterwarnings("ignore", category=UserWarning, module="openpyxl")


def parse(path: Path) -> ParsedFile:
    import openpyxl  # heavy: only when a workbook arrives

    # A file object, not the name: openpyxl refuses names that do not end in .xlsx/.xlsm.
    stream = path.open("rb")
    try:
        # read_only streams rows from the zip instead of building every cell; data_only gives formula results
        workbook = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        stream.close()
        raise ParseError("corrupt", f"corrupt: the workbook is damaged or truncated ({exc}); "
                                    "open it in Excel or LibreOffice, save a new copy and upload that") from exc
    return ParsedFile(blocks=_blocks(workbook, stream), page_count=len(workbook.sheetnames))


def _blocks(workbook, stream) -> Iterator[Block]:
    try:
        for number, sheet in enumerate(workbook.worksheets, start=1):
            if getattr(sheet, "sheet_state", "visible") != "visible":
                continue  # hidden sheets hold lookup lists and scratch data, not what people read
            rows = ((i, list(values)) for i, values in enumerate(sheet.iter_rows(values_only=True), start=1))
            yield from table_blocks(rows, label=sheet.title, page=number)
    finally:
        workbook.close()
        stream.close()
