"""manage.py export_user USER [--output FILE]: everything Acervo holds about a person, as JSON (LGPD art. 18)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from webapp.audit.context import acting_as
from webapp.audit.lgpd import user_export, user_find
from webapp.audit.signals import export_recorded


class Command(BaseCommand):
    help = "Export a user's account, conversations, feedback, API tokens, usage and audit entries as JSON."

    def add_arguments(self, parser):
        parser.add_argument("user", help="username (or id)")
        parser.add_argument("--output", "-o", help="write to this file (owner-readable only) instead of stdout")

    def handle(self, *args, user, output=None, **options):
        try:
            subject = user_find(user)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        data = user_export(subject)
        text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
        with acting_as(surface="cli"):
            export_recorded(what="user", subject_id=subject.pk, count=len(data["conversations"]))
        if output:
            path = Path(output)
            path.touch(mode=0o600)
            path.write_text(text)
            self.stderr.write(f"written to {path}")
        else:
            self.stdout.write(text)
