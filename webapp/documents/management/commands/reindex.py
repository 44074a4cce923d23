from django.core.management.base import BaseCommand

from webapp.documents.models import Document
from webapp.documents.services import document_reingest


class Command(BaseCommand):
    help = (
        "Rebuild the index from the stored originals: every document (or those of --collection) is "
        "ingested again by the worker; each keeps serving its current version until the new one is ready."
    )

    def add_arguments(self, parser):
        parser.add_argument("--collection", help="only this collection (name)")

    def handle(self, collection=None, **options):
        documents = Document.objects.all()
        if collection:
            documents = documents.filter(collection__name=collection)
        count = 0
        for document in documents.iterator():
            document_reingest(document=document)
            count += 1
        self.stdout.write(f"queued {count} document(s) for re-indexing")
