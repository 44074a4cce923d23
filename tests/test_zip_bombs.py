"""A ZIP container cannot make the worker unpack more than MAX_UNZIPPED_MB: type detection reads a bounded head of
a member, a file whose members add up to more fails naming the limit, and a member that holds more than it declares
is refused before a document library reads it whole."""

import tracemalloc

import pytest

from ingestion.archive import LYING
from ingestion.detect import detect_type
from ingestion.parsers import parse_file
from ingestion.pipeline import ingest_document
from ingestion.types import ParseError
from tests.hostile import add_member, stored_document, word_file

MB = 2**20


def peak_bytes(work) -> int:
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_detecting_the_type_reads_a_bounded_head_of_a_huge_mimetype_member(tmp_path):
    path = add_member(tmp_path / "bomb.odt", "mimetype", 64 * MB)  # ~64 KB on disk
    assert path.stat().st_size < MB
    kinds = []
    assert peak_bytes(lambda: kinds.append(detect_type(path))) < 4 * MB
    assert kinds == ["zip"]


def test_a_member_holding_more_than_it_declares_is_refused_before_a_library_reads_it(tmp_path):
    path = word_file(tmp_path / "lying.docx", ["Travel is booked through the portal."])
    add_member(path, "word/media/image1.png", 64 * MB, declared=1000)
    caught = []

    def parse():
        with pytest.raises(ParseError) as error:
            list(parse_file(path).blocks)
        caught.append(error.value)

    assert peak_bytes(parse) < 16 * MB
    assert caught[0].reason == "corrupt"
    assert caught[0].message == LYING.format(kind="DOCX", name="word/media/image1.png")


@pytest.mark.django_db(transaction=True)
def test_a_document_unpacking_to_more_than_max_unzipped_mb_fails_naming_the_limit(own_index, handbook, settings,
                                                                                   tmp_path):
    settings.MAX_UNZIPPED_MB = 8
    path = add_member(word_file(tmp_path / "bomb.docx", ["Travel is booked through the portal."]),
                      "word/media/padding.bin", 9 * MB)
    document = stored_document(handbook, path)

    ingest_document(document.pk)

    document.refresh_from_db()
    assert document.status == "failed"
    assert "more than 8 MB (MAX_UNZIPPED_MB)" in document.error
    assert not document.chunks.exists()
