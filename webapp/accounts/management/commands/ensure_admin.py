import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from webapp.env import envstr


class Command(BaseCommand):
    help = "Create the first superuser if there is none; print a generated password once (never one from the environment)."

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")

    def handle(self, username, **options):
        User = get_user_model()
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("admin account: exists (use your password, or `python manage.py changepassword admin`)")
            return
        given = envstr("ACERVO_ADMIN_PASSWORD")
        password = given or secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if given:  # whoever set it knows it; a log or a shared terminal need not
            self.stdout.write(f"admin account created: user {username!r}, password from ACERVO_ADMIN_PASSWORD")
        else:
            self.stdout.write(f"admin account created: user {username!r}, password {password!r} (shown once)")
