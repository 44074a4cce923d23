"""CPU of the worker's per-document path, in this process, on bench/ingest.py's mixed folder.

A fresh DATA_DIR (SQLite, embedded index), the folder's files stored as documents, a warm-up round, then each
document claimed and ingested as the worker does it (`ingestion.tasks._ingest_one`), counting the SQL statements
of every document and the CPU of the process, inside the embedder's `encode` and outside it (load-insensitive,
unlike wall time on a shared machine); the bare encode of the same texts for comparison; then one more round
under cProfile (wall clock: the profile's proportions, not its times) for the top functions (--top).

Usage: .venv/bin/python bench/profile_ingest.py [--max-kb 100] [--synthetic-pages 30] [--top 40] [--sql]
       [--keep-connection] [--out FILE]
"""

import argparse
import cProfile
import io
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.ingest import chunk_texts, configure, mixed_folder  # noqa: E402


def store(folder: Path, collection_name: str) -> list[int]:
    from django.core.files.base import ContentFile

    from webapp.documents.models import Collection, Document

    collection = Collection.objects.create(name=collection_name)
    ids = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        document = Document(collection=collection, title=path.stem, original_name=path.name,
                            size_bytes=path.stat().st_size)
        document.file.save(path.name, ContentFile(path.read_bytes()), save=False)
        document.save()
        ids.append(document.pk)
    return ids


def time_encodes(embedder) -> list[float]:
    """CPU seconds of every `encode` call of `embedder` from now on (the process's, whatever thread does it)."""
    seconds: list[float] = []
    encode = embedder.encode

    def timed(texts):
        started = time.process_time()
        try:
            return encode(texts)
        finally:
            seconds.append(time.process_time() - started)

    embedder.encode = timed
    return seconds


def ingest_all(ids: list[int], profile: cProfile.Profile | None, keep_connection: bool = False):
    """CPU seconds of this process for all of `ids`, and the SQL statements of each document."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ingestion import lease, tasks
    from ingestion.pipeline import ingest_document

    # What the worker does with the connection after each document (older code: closes it, as Celery does too).
    after_task = getattr(tasks, "_after_task", connection.close)
    statements, last = [], []
    started = time.process_time()
    for document_id in ids:
        with CaptureQueriesContext(connection) as queries:
            if profile:
                profile.enable()
            held = lease.claim(document_id)
            try:
                ingest_document(document_id, held)
            finally:
                if not keep_connection:
                    after_task()
            if profile:
                profile.disable()
        statements.append(len(queries))
        last = [q["sql"] for q in queries.captured_queries]
    return time.process_time() - started, statements, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-kb", type=int, default=100)
    parser.add_argument("--synthetic-pages", type=int, default=30)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sql", action="store_true", help="print the last document's statements")
    parser.add_argument("--keep-connection", action="store_true", help="no reconnection between documents")
    parser.add_argument("--out", help="write the raw profile here (for pstats / snakeviz)")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="acervo-profile-ingest-"))
    configure(data)
    folder = data / "mixed"
    mixed_folder(folder, args.max_kb, args.synthetic_pages)

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db.models import F

    from retrieval.components import get_embedder
    from webapp.documents.models import Chunk, Document

    call_command("migrate", verbosity=0)
    # In the benchmark another process (`manage.py ingest --wait`) keeps the database open: closing the worker's
    # connection is then not the last close, which would checkpoint the write-ahead log.
    other = sqlite3.connect(settings.DATABASES["default"]["NAME"])
    other.execute("SELECT count(*) FROM django_migrations").fetchone()
    ingest_all(store(folder, "warm"), None)  # loads the model, the parsers' libraries, the index
    embedder = get_embedder()
    inside = time_encodes(embedder)
    ids = store(folder, "measured")
    cpu, statements, last = ingest_all(ids, None, args.keep_connection)
    in_pipeline = sum(inside)
    texts = chunk_texts("measured")
    encode_cpu = []
    for _ in range(3):
        started = time.process_time()
        embedder.encode(texts)
        encode_cpu.append(time.process_time() - started)
    encode = statistics.median(encode_cpu)
    embedder.encode = type(embedder).encode.__get__(embedder)
    profile = cProfile.Profile()
    ingest_all(store(folder, "profiled"), profile, args.keep_connection)
    documents = Document.objects.filter(pk__in=ids)
    indexed = documents.filter(status="indexed").count()
    chunks = Chunk.objects.filter(document__in=documents, version=F("document__version")).count()
    small = [n for document, n in zip(documents.order_by("pk"), statements, strict=True) if document.chunk_count <= 5]
    print(f"files {len(ids)} indexed {indexed} chunks {chunks} (texts {len(texts)}); process CPU {cpu:.2f} s = "
          f"{cpu / len(ids) * 1000:.1f} ms/file; bare encode of the same texts {encode:.2f} s "
          f"({[round(c, 2) for c in encode_cpu]}), in the pipeline's encode calls {in_pipeline:.2f} s; outside them "
          f"{(cpu - in_pipeline) / len(ids) * 1000:.1f} ms/file; CPU ratio (bare encode / process CPU) {encode / cpu:.3f}")
    print(f"statements/document: median {statistics.median(statements)}, min {min(statements)}, "
          f"max {max(statements)}; documents of <= 5 chunks: median {statistics.median(small) if small else '-'}")
    if args.sql:
        print("statements of the last document:", *(sql[:300] for sql in last), sep="\n  ")
    if args.out:
        profile.dump_stats(args.out)
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(args.top)
    out.write("\n")
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
