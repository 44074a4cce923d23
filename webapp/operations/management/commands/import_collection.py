from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from webapp.operations.transfer import collection_import


class Command(BaseCommand):
    help = (
        "Import a collection written by `export_collection`, with its chunks and vectors (nothing is embedded "
        "again; the embedding model must be the same). The new collection has no reader groups: grant them in the admin."
    )

    def add_arguments(self, parser):
        parser.add_argument("src", type=Path, help="the tar file")
        parser.add_argument("--as", dest="new_name", default="", help="import under this name")

    def handle(self, src: Path, new_name: str = "", **options):
        try:
            done = collection_import(src=src, new_name=new_name)
        except (ValueError, RuntimeError, FileNotFoundError, OSError) as error:
            raise CommandError(str(error)) from error
        counts = done["manifest"]["counts"]
        self.stdout.write(f"imported {done['collection'].name}: {counts['documents']} document(s), "
                          f"{counts['chunks']} chunk(s), {counts['points']} point(s)")
