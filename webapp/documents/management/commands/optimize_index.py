from django.core.management.base import BaseCommand

from webapp import celery_app


class Command(BaseCommand):
    help = (
        "Ask the worker to optimize the embedded index (builds its HNSW graphs). Searches stay correct without "
        "it; it speeds them up on large collections but pauses the worker while it runs: use a quiet hour."
    )

    def handle(self, **options):
        celery_app.send_task("retrieval.tasks.optimize_index")
        self.stdout.write("optimize requested; the worker log shows when it is done")
