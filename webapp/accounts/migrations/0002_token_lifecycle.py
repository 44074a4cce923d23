"""Issue 19: token expiry, revocation (kept, never deleted), last-used address, and the finer scopes.

Stored scopes are rewritten: "chat" granted questions and search, "documents" reading and writing documents.
"""

from django.db import migrations, models

LEGACY = {"chat": ["chat", "search"], "documents": ["documents:read", "documents:write"]}
ORDER = ["chat", "search", "documents:read", "documents:write", "admin"]


def split_scopes(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.all():
        wanted = set()
        for name in token.scopes or []:
            wanted.update(LEGACY.get(name, [name]))
        scopes = [s for s in ORDER if s in wanted]
        if scopes != token.scopes:
            ApiToken.objects.filter(pk=token.pk).update(scopes=scopes)


def join_scopes(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    for token in ApiToken.objects.all():
        scopes = set(token.scopes or [])
        old = [name for name in ("chat", "documents") if scopes & set(LEGACY[name])]
        ApiToken.objects.filter(pk=token.pk).update(scopes=old)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0001_initial"),
    ]

    operations = [
        migrations.AlterModelOptions(name="apitoken", options={"ordering": ["-created_at"]}),
        migrations.AddField(
            model_name="apitoken", name="expires_at",
            field=models.DateTimeField(blank=True, help_text="empty: never expires", null=True),
        ),
        migrations.AddField(model_name="apitoken", name="revoked_at", field=models.DateTimeField(blank=True, null=True)),
        migrations.AddField(
            model_name="apitoken", name="revoked_reason",
            field=models.CharField(blank=True, max_length=20, choices=[
                ("owner", "revoked by its owner"), ("admin", "revoked by an administrator"),
                ("password_changed", "revoked when the owner's password changed"),
                ("deactivated", "revoked when the owner's account was deactivated")]),
        ),
        migrations.AddField(
            model_name="apitoken", name="last_used_address", field=models.GenericIPAddressField(blank=True, null=True),
        ),
        migrations.RunPython(split_scopes, join_scopes),
    ]
