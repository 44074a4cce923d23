"""Each group that could read a collection (`Collection.groups`, dropped next) becomes a reader grant.

Before roles, a staff member could upload to, delete from and edit every collection one of their groups read.
So that nobody loses what they could do on the day of the upgrade, each such staff member (not superusers: they
hold every role anyway) gets a manager grant of their own on those collections; an admin narrows it afterwards.
"""

from django.db import migrations


def forward(apps, schema_editor):
    Collection = apps.get_model("documents", "Collection")
    Grant = apps.get_model("access", "Grant")
    User = apps.get_model("auth", "User")
    for collection in Collection.objects.prefetch_related("groups"):
        groups = list(collection.groups.all())
        for group in groups:
            Grant.objects.get_or_create(collection=collection, group=group, defaults={"role": "reader"})
        staff = User.objects.filter(is_staff=True, is_superuser=False, groups__in=groups).distinct()
        for user in staff:
            Grant.objects.get_or_create(collection=collection, user=user, defaults={"role": "manager"})


def backward(apps, schema_editor):
    Grant = apps.get_model("access", "Grant")
    for grant in Grant.objects.filter(group__isnull=False).select_related("collection", "group"):
        grant.collection.groups.add(grant.group)


class Migration(migrations.Migration):

    dependencies = [
        ("access", "0001_initial"),
        ("documents", "0003_drop_chunking_status"),
    ]

    operations = [migrations.RunPython(forward, backward)]
