"""Progress of a big document, as GET /api/v1/documents/{id} shows it while the worker works: pages parsed, then
chunks embedded, always moving forward. Deleting it half-way stops the worker's attempt without leaving vectors.
"""

import time

import pytest

from tests.conftest import wait_for_document
from tests.test_ingestion_lifecycle import VACATION, index_counts
from tests.test_parsers import DOCS
from webapp.documents import services
from webapp.documents.models import Document

pytestmark = pytest.mark.django_db(transaction=True)
BIG_PDF = DOCS / "pdf" / "DA-619p.pdf"


def poll_until(client, document_id: int, done) -> list[tuple[str, float]]:
    seen: list[tuple[str, float]] = []
    while True:
        body = client.get(f"/documents/{document_id}").json()
        if not seen or seen[-1] != (body["status"], body["progress"]):
            seen.append((body["status"], body["progress"]))
        if done(body):
            return seen
        time.sleep(0.05)


def test_a_big_pdf_shows_pages_parsed_then_chunks_embedded_and_deleting_it_midway_leaves_no_vectors(alice_api, alice, handbook):
    if not BIG_PDF.exists():
        pytest.skip(f"{BIG_PDF} not found")
    uploaded = alice_api.post("/documents", files={"file": (BIG_PDF.name, BIG_PDF.read_bytes())},
                              data={"collection": "handbook"}).json()

    seen = poll_until(alice_api, uploaded["id"], lambda b: b["status"] == "embedding" and b["progress"] >= 33)
    services.document_delete(user=alice, document=Document.objects.get(pk=uploaded["id"]))

    statuses = [status for status, _ in seen]
    assert statuses.index("parsing") < statuses.index("embedding")
    parsing = [p for s, p in seen if s == "parsing" and 0 < p < 30]
    embedding = [p for s, p in seen if s == "embedding" and 30 < p < 100]
    assert len(parsing) >= 2 and len(embedding) >= 2, seen
    assert [p for _, p in seen] == sorted(p for _, p in seen), "progress went backwards"
    time.sleep(8)  # the attempt notices within a lease renewal (5 s) and a batch, then removes what it wrote
    assert index_counts([uploaded["id"]])[uploaded["id"]] == 0
    follower = alice_api.post("/documents", files={"file": ("a.md", VACATION)}, data={"collection": "handbook"}).json()
    assert wait_for_document(follower["id"]).status == Document.Status.INDEXED
