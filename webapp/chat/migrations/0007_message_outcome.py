from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("chat", "0006_profile_threads_help")]

    operations = [
        migrations.AddField(
            model_name="message", name="outcome",
            field=models.CharField(blank=True, max_length=12, choices=[
                ("answered", "answered"), ("refused", "not in the documents"), ("unconfirmed", "not confirmed")]),
        ),
        migrations.AddField(
            model_name="message", name="reasons",
            field=models.JSONField(blank=True, default=list, help_text="why it was refused or not confirmed: codes"),
        ),
        migrations.AddField(
            model_name="message", name="answerability",
            field=models.FloatField(blank=True, null=True, help_text=(
                "how likely the passages found answer the question (0-1), before the model")),
        ),
        migrations.AddField(
            model_name="message", name="quote",
            field=models.JSONField(blank=True, default=dict, help_text=(
                "the verbatim sentence(s) of a source that best answer the question")),
        ),
        migrations.AddField(
            model_name="modelprofile", name="answerability_threshold",
            field=models.FloatField(blank=True, null=True, help_text=(
                "Refuse below this answerability (0-1); empty = the threshold calibrated for the embedding model. "
                "Higher refuses more unanswerable questions and more answerable ones: see the evaluation page.")),
        ),
    ]
