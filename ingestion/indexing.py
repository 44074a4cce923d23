"""Chunk rows into index points, in every live index version: the active one, and a build under way if any
(`ingestion.rebuild`). Ingestion writes and deletes through here so that a build never misses what changed while
it ran; each version embeds with its own model.
"""

import uuid
from collections.abc import Sequence

from ingestion import lanes
from retrieval import lexical
from retrieval.components import live_versions
from retrieval.types import IndexPoint
from webapp.documents.models import Chunk, Document

POINT_NAMESPACE = uuid.UUID("6f1c1f0e-7b53-4d0e-9a39-acf0e2a91e11")


def point_id(document_id: int, version: int, ordinal: int) -> str:
    """Deterministic, so writing a chunk twice (a retry, a resumed build) replaces its point."""
    return str(uuid.uuid5(POINT_NAMESPACE, f"{document_id}:{version}:{ordinal}"))


def embedding_text(title: str, chunk: Chunk) -> str:
    """What the model sees: the passage with its title and section, which often carry the query's words."""
    context = " › ".join(part for part in (title, chunk.heading_path) if part)
    return f"{context}\n{chunk.text}" if context else chunk.text


def chunk_points(document: Document, chunks: Sequence[Chunk], embedder) -> list[IndexPoint]:
    """The points of `chunks` (rows of `document`) with vectors of `embedder`."""
    texts = [embedding_text(document.title, chunk) for chunk in chunks]
    vectors = embedder.encode(texts)
    return [
        IndexPoint(
            id=point_id(document.pk, c.version, c.ordinal), dense=v.tolist(), sparse=lexical.document_vector(t),
            document_id=document.pk, collection_id=document.collection_id, chunk_id=c.pk, ordinal=c.ordinal,
            version=c.version,
        )
        for c, t, v in zip(chunks, texts, vectors, strict=True)
    ]


def index_chunks(document: Document, *batches: Sequence[Chunk]) -> None:
    """Index these batches of chunk rows of `document` in every live version (the versions are read now, so a
    build that began a moment ago gets them too; one that begins after reads the rows itself).

    The batches run at once, one per lane the caller borrowed (`ingestion.lanes`), which is why the versions are
    read here, in the caller's thread, and not in `work`."""
    versions = live_versions()

    def work(chunks: Sequence[Chunk]) -> None:
        for _version, index, embedder in versions:
            index.upsert(chunk_points(document, chunks, embedder))

    lanes.run_all(work, batches)


def unindex_document(document_id: int) -> None:
    """Remove every point of the document from every live version."""
    for _version, index, _embedder in live_versions():
        index.delete_document(document_id)


def unindex_other_versions(document_id: int, *, keep: int) -> None:
    """Remove the document's points of every version but `keep` (its ingest versions), in every live index."""
    for _version, index, _embedder in live_versions():
        index.delete_document_versions(document_id, keep=keep)
