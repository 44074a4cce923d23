"""What the evaluation commands share: an index folder of their own, and documents made from text rows.

They run the real pipeline in their own process, so they must never open the index folder a running
worker holds.
"""

import hashlib
import shutil
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.test.utils import override_settings

from retrieval import components
from webapp.documents.models import Collection, Document


@contextmanager
def scratch_index(index_path: Path | None = None, *, prefix: str = "acervo-evaluation-"):
    """Make `get_index()` open `index_path` (a temporary folder by default, removed after) for the block.
    With QDRANT_URL the server's collections are used as they are."""
    if settings.QDRANT_URL:
        yield
        return
    folder = Path(index_path) if index_path else Path(tempfile.mkdtemp(prefix=prefix))
    components.close_all()  # an index this process opened earlier would otherwise stay in use
    try:
        with override_settings(INDEX_PATH=folder):
            yield
            components.close_all()
    finally:
        if index_path is None:
            shutil.rmtree(folder, ignore_errors=True)


def document_from_text(collection: Collection, *, doc_id: str, title: str, text: str, prefix: str) -> Document:
    """A Document row with `text` stored as its original, ready for `ingest_document`."""
    data = text.encode("utf-8")
    document = Document(
        collection=collection, title=(title or doc_id)[:300], original_name=f"{doc_id}.txt",
        sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data), mime_type="text/plain",
    )
    document.file.save(f"{prefix}{uuid.uuid4().hex[:8]}.txt", ContentFile(data), save=False)
    document.save()
    return document
