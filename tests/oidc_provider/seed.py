"""Writes the provider's data from JSON: {"client": {"id", "secret", "redirect_uri", "logout_uri"},
"users": {"name": {"password", "email", "first_name", "last_name", "groups": [..]}}}. A user already there gets
the given groups (and only those), so a test can change someone's groups between two logins."""

import json
import os
import sys

os.environ["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from oidc_provider.models import Client, ResponseType  # noqa: E402


def seed(data: dict) -> None:
    if "client" in data:
        c = data["client"]
        client, _ = Client.objects.update_or_create(client_id=c["id"], defaults=dict(
            name="Acervo", client_type="confidential", client_secret=c["secret"], jwt_alg="RS256",
            require_consent=False, reuse_consent=True))
        client.redirect_uris = [c["redirect_uri"]]
        client.post_logout_redirect_uris = [c["logout_uri"]]
        client.save()
        client.response_types.set([ResponseType.objects.get(value="code")])
    for name, u in data.get("users", {}).items():
        user, created = User.objects.get_or_create(username=name)
        if created or "password" in u:
            user.set_password(u.get("password", name))
        for field in ("email", "first_name", "last_name"):
            if field in u:
                setattr(user, field, u[field])
        user.save()
        user.groups.set([Group.objects.get_or_create(name=g)[0] for g in u.get("groups", [])])


if __name__ == "__main__":
    seed(json.loads(sys.argv[1]))
