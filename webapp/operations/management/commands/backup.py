from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from webapp.operations.backup import backup_write


class Command(BaseCommand):
    help = (
        "Write a backup of this install into DEST (a new or empty folder): the database, the original files and the "
        "index's points with their vectors, with a manifest.json of counts and checksums. Safe while the app runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("dest", type=Path)

    def handle(self, dest: Path, **options):
        try:
            manifest = backup_write(dest)
        except (ValueError, RuntimeError, FileNotFoundError) as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(
            f"backup written to {dest}: {counts['collections']} collection(s), {counts['documents']} document(s), "
            f"{counts['chunks']} chunk(s), {counts['points']} point(s) of {manifest['embedding']['model']}"
        )
        if manifest["reingest"]:
            self.stdout.write(f"{len(manifest['reingest'])} document(s) were being re-indexed: restore queues them again")
        if manifest["missing_originals"]:
            self.stdout.write(f"originals gone since the snapshot (deleted or replaced): {manifest['missing_originals']}")
