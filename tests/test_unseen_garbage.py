"""Noise is never indexed: a file whose bytes are neither valid in the format they look like nor text (random,
encrypted or damaged data under a document's name) fails with a reason a person can act on, and leaves no
passage in the index. The files are random bytes made here, run through the real pipeline."""

import random

import pytest

from ingestion.parsers import parse_file
from ingestion.parsers.unreadable import GARBLED
from ingestion.pipeline import ingest_document
from tests.hostile import stored_document


def _random(size: int, *, low: int = 0, prefix: bytes = b"") -> bytes:
    chance = random.Random(20)
    return prefix + bytes(chance.randrange(low, 256) for _ in range(size))


NOISE = {
    # no zero byte in the head, so nothing said "binary": it was decoded as CP1252 and indexed as 85 passages
    "no-zero-bytes.pdf": (_random(40_000, low=1), "PDF"),
    "random.txt": (_random(40_000), "TXT file"),
    "random-after-a-bom.txt": (_random(40_000, prefix=b"\xff\xfe"), "TXT file"),  # read as UTF-16 before
    "random": (_random(40_000, low=1), "document"),
}


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", NOISE)
def test_random_bytes_fail_as_corrupt_and_index_nothing(own_index, handbook, tmp_path, name):
    data, claimed = NOISE[name]
    path = tmp_path / name
    path.write_bytes(data)
    document = stored_document(handbook, path)

    ingest_document(document.pk)

    document.refresh_from_db()
    assert (document.status, document.error) == ("failed", GARBLED.format(claimed=claimed))
    assert (document.error_code, document.error_params) == ("corrupt", {})
    assert document.chunks.count() == 0


@pytest.mark.parametrize("relative", ["txt/russian.cp866.txt", "txt/testTXT_win-1252.txt", "md/umlauts-non-utf8.md",
                                      "csv/stanley-cups-utf-16.csv", "txt/UDHR_first_article_all.txt"])
def test_text_in_any_encoding_or_script_is_still_text(relative):
    from tests.test_parsers import _doc

    assert list(parse_file(_doc(relative)).blocks)
