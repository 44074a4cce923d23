from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from webapp.accounts.models import DEFAULT_SCOPES, ApiToken, Scope


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it (shown once; the token is the last word)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="")
        parser.add_argument("--scopes", default=",".join(DEFAULT_SCOPES),
                            help=f"comma-separated: {', '.join(Scope.values)}")

    def handle(self, username, name, scopes, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no user named {username!r}")
        try:
            _, raw = ApiToken.issue(user=user, name=name, scopes=[s.strip() for s in scopes.split(",") if s.strip()])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"API token for {username} (store it now, it is not shown again): {raw}")
