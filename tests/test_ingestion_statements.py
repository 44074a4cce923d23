"""The SQL a small document costs the worker, pinned: most documents are a few chunks, and per-document work outside
the encode is what holds ingestion below the model's own rate (bench/ingest.py, `ratio_to_raw_encode`).

In this process: the real pipeline, embedding model and embedded index, in a folder of this test's own.
"""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ingestion import lease
from ingestion.pipeline import INDEXED, ingest_document
from ingestion.titles import title_from_file_name
from tests.conftest import indexed
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)

# claim; begin (update, then read the row with whether it has chunks); insert the chunks (BEGIN, INSERT, COMMIT);
# enter embedding; read the live index versions; publish, with the document's own title (BEGIN, UPDATE, COMMIT).
# Nothing else: the chunks just inserted are not read back, the revision comes with the row, and the model sizing
# the chunks is the one the previous document's embedding read a moment ago.
STATEMENTS = 11  # before: 15, and 16 with a title of its own


def stored(collection, name: str, text: str) -> Document:
    """As an upload stores it: titled after its file name until the pipeline finds its own title."""
    document = Document(collection=collection, title=title_from_file_name(name), original_name=name,
                        size_bytes=len(text))
    document.file.save(name, ContentFile(text.encode()), save=False)
    document.save()
    return document


def test_a_small_document_is_ingested_in_a_fixed_handful_of_statements(own_index, handbook):
    indexed(handbook, "warm-up", "The model, the index and the live versions are loaded by a first document.")
    document = stored(handbook, "vacation.md", "# Paid vacation\n\nEvery employee has thirty days of it a year.\n")

    with CaptureQueriesContext(connection) as queries:
        outcome = ingest_document(document.pk, lease.claim(document.pk))

    statements = [q["sql"][:90] for q in queries.captured_queries]
    assert outcome == INDEXED
    assert Document.objects.get(pk=document.pk).title == "Paid vacation"  # its own, published with the version
    # A progress write (at most every MIN_INTERVAL_S) is left out: a slow enough machine makes one.
    counted = [sql for sql in statements if not sql.startswith('UPDATE "documents_document" SET "progress" =')]
    assert len(counted) <= STATEMENTS, "\n".join(statements)
