"""Excel 97–2003 and 95 workbooks (.xls, BIFF5–8) through xlrd; same table blocks as .xlsx."""

from collections.abc import Iterator
from pathlib import Path

from ingestion.parsers.tables import table_blocks
from ingestion.types import Block, ParsedFile, ParseError

ENCRYPTED = ("encrypted (password required): the workbook is protected with a password; open it in Excel, "
             "remove the password (File › Info › Protect Workbook) and upload again")


def parse(path: Path) -> ParsedFile:
    import xlrd  # only when a legacy workbook arrives

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except xlrd.XLRDError as exc:
        if "encrypted" in str(exc).lower():
            raise ParseError("encrypted", ENCRYPTED) from exc
        raise ParseError("corrupt", f"corrupt: the workbook could not be read ({exc}); "
                                    "save it again as .xlsx and upload that") from exc
    return ParsedFile(blocks=_blocks(book), page_count=book.nsheets)


def _blocks(book) -> Iterator[Block]:
    import xlrd

    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            if sheet.visibility != 0:
                continue
            rows = ((r + 1, [_value(sheet.cell(r, c), book.datemode, xlrd) for c in range(sheet.row_len(r))])
                    for r in range(sheet.nrows))
            yield from table_blocks(rows, label=sheet.name, page=index + 1)
            book.unload_sheet(index)
    finally:
        book.release_resources()


def _value(cell, datemode: int, xlrd):
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate_as_datetime(cell.value, datemode)
        except (ValueError, OverflowError):
            return cell.value
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    return cell.value
