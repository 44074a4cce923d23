"""CSV and TSV in any encoding and with any common delimiter; the first row is the header of every block."""

import csv
from collections.abc import Iterator
from pathlib import Path

from ingestion.parsers.tables import table_blocks
from ingestion.parsers.text import read_text
from ingestion.types import Block, ParsedFile

DELIMITERS = ",;\t|"


def parse(path: Path) -> ParsedFile:
    text = read_text(path)
    return ParsedFile(blocks=_blocks(text, _dialect(text, path)), page_count=None)


def _dialect(text: str, path: Path) -> type[csv.Dialect] | csv.Dialect:
    sample = text[:64 * 1024]
    try:
        return csv.Sniffer().sniff(sample, delimiters=DELIMITERS)
    except csv.Error:
        return csv.excel_tab if path.suffix.lower() == ".tsv" else csv.excel


def _blocks(text: str, dialect) -> Iterator[Block]:
    csv.field_size_limit(16 * 1024 * 1024)  # long free-text cells are common in exported data
    reader = csv.reader(text.splitlines(), dialect)
    rows = ((number, row) for number, row in enumerate(reader, start=1))
    yield from table_blocks(rows, first_row_is_header=True)
