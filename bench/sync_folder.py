"""How long a watched folder's sync takes, apart from ingestion (bench/ingest.py measures that): scanning, copying
and hashing, storing the originals and rows, queueing the ingests.

In this process, on a fresh SQLite database in a temporary DATA_DIR: a folder of --files text files is synced
once (all added), again unchanged (stat only), after changing 10% of the files (new versions) and after renaming
another 10% (same documents). The ingests are queued to Redis under a key prefix of this run, which is deleted at
the end (no worker runs).

Usage: .venv/bin/python bench/sync_folder.py [--files 1000] [--kb 4]
The last line is one JSON object with every figure.
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--kb", type=int, default=4)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="acervo-bench-sync-"))
    watched = data / "watched"
    watched.mkdir()
    prefix = f"acervo-bench-sync-{uuid.uuid4().hex[:8]}:"
    os.environ.update(DATA_DIR=str(data), SYNC_ALLOWED_ROOTS=str(watched), REDIS_KEY_PREFIX=prefix,
                      DJANGO_SETTINGS_MODULE="webapp.settings")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    try:
        print(json.dumps(measure(watched, args.files, args.kb)))
    finally:
        _forget_keys(prefix)
        shutil.rmtree(data, ignore_errors=True)


def measure(watched: Path, count: int, kb: int) -> dict:
    from ingestion.sync import source_sync
    from webapp.documents.models import Collection
    from webapp.sources.models import Source

    for n in range(count):
        (watched / f"file-{n:05}.txt").write_text(f"Document {n}. " + "lorem ipsum dolor sit amet " * (kb * 37))
    source = Source.objects.create(collection=Collection.objects.create(name="bench"), kind="folder",
                                   location=str(watched), interval_minutes=0)
    figures = {"files": count, "kb_per_file": kb}

    def timed(name: str, expect: str, expected: int) -> None:
        started = time.perf_counter()
        run = source_sync(source.pk, trigger="manual")
        seconds = time.perf_counter() - started
        assert getattr(run, expect) == expected and run.failed == 0, (name, vars(run))
        figures[f"{name}_s"] = round(seconds, 3)
        figures[f"{name}_ms_per_{expect}_file"] = round(1000 * seconds / expected, 3)

    timed("first_sync", "added", count)
    timed("unchanged_sync", "unchanged", count)
    tenth = max(1, count // 10)
    for n in range(tenth):
        (watched / f"file-{n:05}.txt").write_text(f"Changed document {n}.")
    timed("changed_10pct_sync", "updated", tenth)
    for n in range(tenth, 2 * tenth):
        os.rename(watched / f"file-{n:05}.txt", watched / f"moved-{n:05}.txt")
    timed("renamed_10pct_sync", "renamed", tenth)
    return figures


def _forget_keys(prefix: str) -> None:
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.REDIS_URL)
    for key in client.scan_iter(match=f"{prefix}*"):
        client.delete(key)


if __name__ == "__main__":
    main()
