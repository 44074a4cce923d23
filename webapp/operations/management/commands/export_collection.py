from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from webapp.operations.transfer import collection_export


class Command(BaseCommand):
    help = (
        "Write one collection (its indexed documents, chunks, originals and vectors) to a tar file that "
        "`import_collection` reads on another install, which then searches it without embedding anything again."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", help="the collection's name")
        parser.add_argument("dest", type=Path, help="the tar file to write")

    def handle(self, name: str, dest: Path, **options):
        try:
            manifest = collection_export(name=name, dest=dest)
        except (ValueError, RuntimeError, FileNotFoundError) as error:
            raise CommandError(str(error)) from error
        counts = manifest["counts"]
        self.stdout.write(f"{name} exported to {dest}: {counts['documents']} document(s), {counts['chunks']} "
                          f"chunk(s), {counts['points']} point(s) of {manifest['embedding']['model']}")
