"""Upgrading keeps what everyone could do: each group that could read a collection becomes a reader grant, and
each staff member of such a group (who could upload, delete and edit there before roles) a manager of it."""

import pytest

from tests.migrating import migrate, migrate_to_latest

BEFORE = [("documents", "0003_drop_chunking_status"), ("access", "0001_initial")]
AFTER = [("documents", "0004_drop_collection_groups"), ("access", "0002_grants_from_collection_groups")]


@pytest.mark.django_db(transaction=True)
def test_reader_groups_become_reader_grants_and_their_staff_managers():
    apps = migrate(BEFORE)
    try:
        Group, User = apps.get_model("auth", "Group"), apps.get_model("auth", "User")
        Collection = apps.get_model("documents", "Collection")
        team, board = Group.objects.create(name="team"), Group.objects.create(name="board")
        lead = User.objects.create(username="lead", is_staff=True)
        lead.groups.add(team)
        User.objects.create(username="root", is_staff=True, is_superuser=True).groups.add(team)
        User.objects.create(username="member").groups.add(team)
        handbook = Collection.objects.create(name="handbook")
        handbook.groups.add(team, board)
        Collection.objects.create(name="nobody's")

        apps = migrate(AFTER)

        Grant = apps.get_model("access", "Grant")
        found = {(g.collection.name, g.group.name if g.group else g.user.username, g.role)
                 for g in Grant.objects.select_related("collection", "group", "user")}
        assert found == {("handbook", "team", "reader"), ("handbook", "board", "reader"),
                         ("handbook", "lead", "manager")}
    finally:
        migrate_to_latest()
