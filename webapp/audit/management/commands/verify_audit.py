"""manage.py verify_audit: walk the audit chain and report every edited, deleted or reordered entry."""

from django.core.management.base import BaseCommand, CommandError

from webapp.audit.chain import verify


class Command(BaseCommand):
    help = "Check the audit trail's hash chain: exits with an error naming each broken entry."

    def handle(self, *args, **options):
        result = verify()
        for problem in result.problems:
            self.stderr.write(problem)
        if not result.ok:
            raise CommandError(f"the audit trail is broken: {len(result.problems)} problem(s) in {result.checked} entries")
        self.stdout.write(f"audit trail intact: {result.checked} entries verified")
