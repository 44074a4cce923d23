"""The repeat penalty's default becomes 1.0 (none), and profiles still at the old default 1.1 follow it.

llama-server (now how `make run` answers) counts the prompt's own tokens in the penalty's window, so at 1.1 it
penalised the words an answer quotes from its sources; at 1.0 it answers as in-process llama.cpp did at 1.1, and
in-process llama.cpp answers the same at 1.0 (README, "Many people asking at once"). A profile set to any other
value was chosen by someone and is left alone; 1.1 cannot be told apart from the old default, so it moves.
"""

from django.db import migrations, models

OLD_DEFAULT, NEW_DEFAULT = 1.1, 1.0


def forwards(apps, schema_editor):
    apps.get_model("chat", "ModelProfile").objects.filter(repeat_penalty=OLD_DEFAULT).update(repeat_penalty=NEW_DEFAULT)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0012_chat_verbose_names"),
    ]

    operations = [
        migrations.AlterField(
            model_name="modelprofile",
            name="repeat_penalty",
            field=models.FloatField(default=NEW_DEFAULT),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
