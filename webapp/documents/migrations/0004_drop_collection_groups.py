"""`Collection.groups` ("groups that may read") became reader grants (webapp.access, migration 0002)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0003_drop_chunking_status"),
        ("access", "0002_grants_from_collection_groups"),
    ]

    operations = [migrations.RemoveField(model_name="collection", name="groups")]
