"""Rows of a sheet or CSV into table blocks that each stand alone: the header row is repeated in every block.

A header is the first row of a blank-separated region that has two or more cells and no numbers; a region whose
first row holds numbers continues the table above it (a blank line inside the data). Blocks hold up to
MAX_ROWS rows and about MAX_CHARS characters, so one block fits one chunk of the embedding model.
"""

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Sequence
from numbers import Number

from ingestion import limits
from ingestion.types import Block

MAX_ROWS = 30
MAX_CHARS = 1200
SEPARATOR = " | "
NUMBER = re.compile(r"^\s*[-+(]?\s*(R\$|US\$|[$€£¥])?\s*[-+]?\d[\d.,\s]*%?\)?\s*$")  # 1.234,56 · R$ 10 · (5%)


def cell_text(value: object) -> str:
    """A cell as a person reads it: 3 not 3.0, dates without a midnight time, no line breaks."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.replace(microsecond=0).isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return " ".join(str(value).split())


def table_blocks(
    rows: Iterable[tuple[int, Sequence[object]]], *, label: str = "", page: int | None = None, first_row_is_header=False
) -> Iterator[Block]:
    """`rows` are (1-based row number, cell values); blank rows may be included. `label` names the sheet."""
    header: tuple[int, list[str]] | None = None
    pending: list[tuple[int, list[str]]] = []
    size = 0
    region_start = True
    header_shown = True  # a header with no rows under it is still text worth keeping
    for number, values in rows:
        limits.checkpoint()  # a sheet can hold a million blank rows that yield nothing
        cells = [cell_text(v) for v in values]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            region_start = True
            continue
        line = SEPARATOR.join(cells)
        if _is_header(values, cells, region_start, first_row_is_header and header is None):
            if pending or not header_shown:
                yield _block(header, pending, label, page, header_shown)
            header, pending, size, header_shown = (number, cells), [], 0, False
            region_start = False
            continue
        region_start = False
        if pending and (len(pending) >= MAX_ROWS or size + len(line) > MAX_CHARS):
            yield _block(header, pending, label, page, header_shown)
            pending, size, header_shown = [], 0, True
        pending.append((number, cells))
        size += len(line) + 1
    if pending or not header_shown:
        yield _block(header, pending, label, page, header_shown)


def _is_header(values: Sequence[object], cells: list[str], region_start: bool, forced: bool) -> bool:
    if forced:
        return True
    if not region_start or sum(1 for c in cells if c) < 2:
        return False
    return not any(_numeric(v) for v in values)


def _numeric(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (Number, dt.date, dt.time)):
        return True
    return isinstance(value, str) and bool(NUMBER.match(value))


def _block(header: tuple[int, list[str]] | None, rows: list[tuple[int, list[str]]], label: str,
           page: int | None, header_shown: bool) -> Block:
    """The range starts at the header row the first time the header is shown, at the first data row after."""
    table = ([header[1]] if header else []) + [cells for _, cells in rows]
    # columns left empty by a sheet's margin or indentation, in every row of this block
    margin = min(next((i for i, cell in enumerate(cells) if cell), len(cells)) for cells in table)
    lines = [SEPARATOR.join(cells[margin:]) for cells in table]
    assert rows or header, "a block has a header or rows"
    first = rows[0][0] if rows else header[0]  # type: ignore[index]  # header is set when rows are not
    last = rows[-1][0] if rows else header[0]  # type: ignore[index]
    if header and not header_shown:
        first = header[0]
    span = f"row {first}" if first == last else f"rows {first}–{last}"
    return Block(text="\n".join(lines), page=page, location=f"{label}, {span}" if label else span, kind="table")
