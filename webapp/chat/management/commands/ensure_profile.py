from django.core.management.base import BaseCommand

from webapp.chat.profiles import model_in_use, profile_ensure_default


class Command(BaseCommand):
    help = "Create the default model profile from the settings if there is no default one (make run calls it)."

    def handle(self, **options):
        profile, created = profile_ensure_default()
        if created:
            self.stdout.write(f"model profile {profile.name!r} created from the settings: {model_in_use(profile)} "
                              "(admin → Model profiles to change it or add a bigger model)")
