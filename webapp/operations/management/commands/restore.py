from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from webapp.operations.backup import backup_restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by `backup` into this install (empty database, media folder and index). The "
        "manifest is checked first (every checksum, the embedding model): nothing is written if anything is wrong. "
        "Stop the web server and the worker first, or restore into a new install."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path)
        parser.add_argument("--force", action="store_true", help="restore over existing data (it is replaced)")
        parser.add_argument("--reindex", action="store_true",
                            help="the backup's embedding model differs: skip its vectors and queue every document "
                                 "to be embedded again with EMBEDDING_MODEL")

    def handle(self, src: Path, force=False, reindex=False, **options):
        try:
            done = backup_restore(src, force=force, reindex=reindex)
        except (ValueError, RuntimeError, FileNotFoundError) as error:
            raise CommandError(str(error)) from error
        counts = done["counts"]
        self.stdout.write(
            f"restored {counts['collections']} collection(s), {counts['documents']} document(s), {counts['chunks']} "
            f"chunk(s) and {done['points']} point(s); {done['queued']} document(s) queued for the worker to index"
        )
