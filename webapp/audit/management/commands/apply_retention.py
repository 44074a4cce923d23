"""manage.py apply_retention: remove what is older than the retention settings now (the worker does it hourly)."""

from django.core.management.base import BaseCommand

from webapp.audit.retention import retention_apply


class Command(BaseCommand):
    help = "Remove conversations, usage rows and audit entries older than their retention periods."

    def handle(self, *args, **options):
        pruned = retention_apply()
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in vars(pruned).items()))
