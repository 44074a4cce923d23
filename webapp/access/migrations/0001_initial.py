import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("documents", "0003_drop_chunking_status"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Grant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("role", models.CharField(choices=[("reader", "reader"), ("editor", "editor"), ("manager", "manager")],
                                          default="reader", max_length=16, verbose_name="role")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("collection", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="grants",
                                                 to="documents.collection", verbose_name="collection")),
                ("group", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                            related_name="grants", to="auth.group", verbose_name="group")),
                ("user", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE,
                                           related_name="grants", to=settings.AUTH_USER_MODEL, verbose_name="user")),
            ],
            options={
                "verbose_name": "grant",
                "verbose_name_plural": "grants",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(models.Q(("group__isnull", False), ("user__isnull", True)),
                                           models.Q(("group__isnull", True), ("user__isnull", False)), _connector="OR"),
                        name="grant_group_xor_user"),
                    models.UniqueConstraint(condition=models.Q(("group__isnull", False)), fields=("collection", "group"),
                                            name="grant_one_per_group"),
                    models.UniqueConstraint(condition=models.Q(("user__isnull", False)), fields=("collection", "user"),
                                            name="grant_one_per_user"),
                ],
            },
        ),
    ]
