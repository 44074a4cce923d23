"""Excel 2007+ workbooks (.xlsx, .xlsm): one table block per ~30 rows, sheet number as page, header repeated.

Only cells the sheet holds are read. A sheet's declared dimension (`A1:XFD1048576`) is ignored: openpyxl would pad
every row to its width and add every row up to its height, 17 billion empty cells for a 2 KB file. A row wider than
MAX_COLUMNS keeps its first MAX_COLUMNS columns as they are and, past them, only the cells that hold something.
"""

import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

from ingestion import limits
from ingestion.parsers.tables import table_blocks
from ingestion.types import Block, ParsedFile, ParseError

MAX_COLUMNS = 1024

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
            sheet.reset_dimensions()  # the declared size is the file's word, not its content
            rows = ((i, _bounded(values)) for i, values in enumerate(sheet.iter_rows(values_only=True), start=1))
            yield from table_blocks(rows, label=sheet.title, page=number)
    finally:
        workbook.close()
        stream.close()


def _bounded(values: tuple) -> list:
    if len(values) <= MAX_COLUMNS:
        return list(values)
    limits.checkpoint()  # a far-right cell made openpyxl pad this row: dropping the padding is itself work
    return list(values[:MAX_COLUMNS]) + [value for value in values[MAX_COLUMNS:] if value is not None]
