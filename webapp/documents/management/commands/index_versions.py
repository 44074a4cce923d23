import json

from django.core.management.base import BaseCommand

from webapp.documents.models import IndexVersion


class Command(BaseCommand):
    help = (
        "List the index versions: the active one (searches use it), a build for a new EMBEDDING_MODEL with its "
        "progress, and those retired or failed. A build starts by itself when a worker starts with another "
        "EMBEDDING_MODEL than the active version's."
    )

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, **options):
        fields = ["id", "model", "dim", "collection", "state", "chunks_done", "chunks_total", "error_code",
                  "error_detail"]
        for row in IndexVersion.objects.order_by("pk").values(*fields):
            if options["json"]:
                self.stdout.write(json.dumps(row))
            else:
                self.stdout.write("{id:>4}  {state:<9} {model}  {chunks_done}/{chunks_total} chunks  {collection}"
                                  "{error}".format(**row, error=f"  ({row['error_detail']})" if row["error_code"] else ""))
