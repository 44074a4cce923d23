"""One collection to a tar file and into another install, with its chunks and vectors: nothing is re-embedded.

The tar holds `manifest.json` (embedding model, counts, checksums), `collection.json`, `documents.jsonl` (each
indexed document with its live chunks), `media/` (the originals) and `index/` (the points, webapp/operations/points.py).
An import makes new rows (new ids) and writes the points with those ids through the index API, here or in the worker
holding an embedded index (webapp/operations/index_access.py). The imported collection has no reader groups yet:
an admin grants them, as for a new collection.
"""

import json
import shutil
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from webapp.documents.models import Chunk, Collection, Document
from webapp.operations import index_access
from webapp.operations.manifest import manifest_verify, manifest_write, model_check

ERR_NO_COLLECTION = "no collection is named {name!r}"
ERR_EXISTS = "a collection named {name!r} exists already: import under another name with --as NEWNAME"
ERR_KIND = "{src} is not a collection export"
DOCUMENT_FIELDS = ("title", "original_name", "sha256", "size_bytes", "mime_type", "page_count", "chunk_count",
                   "extracted_text", "warnings", "version")
CHUNK_FIELDS = ("id", "version", "ordinal", "text", "page", "page_end", "location", "heading_path", "char_start",
                "char_end", "token_count")


def collection_export(*, name: str, dest: Path) -> dict:
    """Write collection `name`'s indexed documents, chunks, originals and points to the tar file `dest`."""
    dest = dest.resolve()
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".export-") as staging:
        folder = Path(staging)
        collection, documents = _read_collection(name)
        (folder / "collection.json").write_text(json.dumps({"name": collection.name,
                                                            "description": collection.description}))
        with (folder / "documents.jsonl").open("w", encoding="utf-8") as out:
            for document in documents:
                out.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")
                target = folder / "media" / document["file"]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(settings.MEDIA_ROOT) / document["file"], target)
        live = {str(d["id"]): d["version"] for d in documents}
        exported = index_access.run("export", folder=str(folder / "index"), documents=live)
        per_document = exported["per_document"]
        manifest = manifest_write(folder, {
            "kind": "collection", "embedding": {"model": exported["model"], "dim": exported["dim"]},
            "counts": {"documents": len(documents), "chunks": sum(len(d["chunks"]) for d in documents),
                       "points": sum(per_document.values())},
            "reingest": [d["id"] for d in documents if per_document.get(str(d["id"]), 0) != len(d["chunks"])],
        })
        with tarfile.open(dest, "w") as tar:
            for path in sorted(folder.iterdir()):
                tar.add(path, arcname=path.name)
    return manifest


def _read_collection(name: str) -> tuple[Collection, list[dict]]:
    """The collection and its indexed documents with their live chunks, read in one consistent transaction."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            connection.cursor().execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        collection = Collection.objects.filter(name=name).first()
        if collection is None:
            raise ValueError(ERR_NO_COLLECTION.format(name=name))
        documents = []
        for document in Document.objects.filter(collection=collection, status=Document.Status.INDEXED).order_by("pk"):
            chunks = Chunk.objects.filter(document=document, version=document.version).order_by("ordinal")
            documents.append({"id": document.pk, "file": document.file.name,
                              **{f: getattr(document, f) for f in DOCUMENT_FIELDS},
                              "chunks": list(chunks.values(*CHUNK_FIELDS))})
    return collection, documents


def collection_import(*, src: Path, new_name: str = "") -> dict:
    """Import the collection export `src` (under `new_name` if given); returns its manifest and the new collection."""
    with tempfile.TemporaryDirectory(prefix="acervo-import-") as staging:
        folder = Path(staging)
        with tarfile.open(src) as tar:
            tar.extractall(folder, filter="data")  # "data": no absolute paths, links or files outside the folder
        manifest = manifest_verify(folder)
        if manifest.get("kind") != "collection":
            raise ValueError(ERR_KIND.format(src=src))
        model_check(manifest)
        described = json.loads((folder / "collection.json").read_text())
        name = new_name or described["name"]
        if Collection.objects.filter(name=name).exists():
            raise ValueError(ERR_EXISTS.format(name=name))
        collection, remap = _write_rows(folder, name, described["description"])
        try:
            index_access.run("import", dim=manifest["embedding"]["dim"], folder=str(folder / "index"), remap=remap)
        except BaseException:
            collection.delete()  # the rows without their points would be unsearchable: take them back
            raise
    _queue_again([int(remap["documents"][str(i)]) for i in manifest["reingest"]])
    return {"manifest": manifest, "collection": collection}


def _write_rows(folder: Path, name: str, description: str) -> tuple[Collection, dict]:
    remap: dict = {"documents": {}, "chunks": {}}
    with transaction.atomic():
        collection = Collection.objects.create(name=name, description=description)
        remap["collection"] = collection.pk
        with (folder / "documents.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                held = json.loads(line)
                document = Document(collection=collection, status=Document.Status.INDEXED, progress=100.0,
                                    indexed_at=timezone.now(),
                                    **{f: held[f] for f in DOCUMENT_FIELDS})
                with (folder / "media" / held["file"]).open("rb") as original:
                    document.file.save(Path(held["file"]).name, File(original), save=False)
                document.save()
                remap["documents"][str(held["id"])] = document.pk
                chunks = [Chunk(document=document, **{f: c[f] for f in CHUNK_FIELDS if f != "id"}) for c in held["chunks"]]
                for old, new in zip(held["chunks"], Chunk.objects.bulk_create(chunks), strict=True):
                    remap["chunks"][str(old["id"])] = new.pk
    return collection, remap


def _queue_again(document_ids: list[int]) -> None:
    from webapp.documents.services import document_reingest

    for document in Document.objects.filter(pk__in=document_ids):
        document_reingest(document=document)
