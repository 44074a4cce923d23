from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("chat", "0007_message_outcome")]

    operations = [
        migrations.CreateModel(
            name="EvaluationRun",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("profiles", models.JSONField(blank=True, default=list, help_text="names of the model profiles evaluated")),
                ("datasets", models.JSONField(blank=True, default=list, help_text="the data sets asked")),
                ("report", models.JSONField(blank=True, default=dict)),
            ],
            options={"ordering": ["-created_at", "-id"]},
        ),
    ]
