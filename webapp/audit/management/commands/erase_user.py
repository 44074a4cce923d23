"""manage.py erase_user USER [--yes]: erase a person's data (LGPD art. 18 VI) and say what was kept and why."""

from django.core.management.base import BaseCommand, CommandError

from webapp.audit.context import acting_as
from webapp.audit.lgpd import user_erase, user_find


class Command(BaseCommand):
    help = ("Remove a user's conversations, feedback, tokens, sessions, login records and account (database and "
            "Redis); pseudonymise their audit entries and usage rows. Prints what was removed and what was kept.")

    def add_arguments(self, parser):
        parser.add_argument("user", help="username (or id)")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, user, yes=False, **options):
        try:
            subject = user_find(user)
        except LookupError as exc:
            raise CommandError(str(exc)) from None
        if not yes and input(f"Erase {subject.get_username()!r} for good? Type the username: ") != subject.get_username():
            raise CommandError("not confirmed: nothing was erased")
        with acting_as(surface="cli"):
            done = user_erase(subject)
        self.stdout.write("Removed:")
        for name, count in done.removed.items():
            self.stdout.write(f"  {name.replace('_', ' ')}: {count}")
        self.stdout.write("Kept, and why:")
        for line in done.kept:
            self.stdout.write(f"  - {line}")
