from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('chat', '0009_profile_greedy'),
    ]

    operations = [
        migrations.AddField(
            model_name='citation',
            name='weak_code',
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name='citation',
            name='weak_params',
            field=models.JSONField(blank=True, default=dict),
        ),
    ]
