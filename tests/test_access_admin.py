"""The Django admin under the access rules: staff with Django's model permissions still see only the documents
of the collections they may read, change only those they edit, and the collections they manage; what belongs
to single users stays the superusers'. In-process."""

import pytest
from django.contrib.auth.models import Permission

from tests.permission_world import world_build

pytestmark = pytest.mark.django_db


def staff_with(world, *codenames: str):
    staff = world.users["staff"]
    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return world.client("staff", "session")


def test_staff_with_model_permissions_see_only_the_documents_they_may_read():
    world = world_build()
    world.users["staff"].groups.add(world.users["alice"].groups.get())  # a reader of A
    client = staff_with(world, "view_document", "change_document", "view_collection", "change_collection",
                        "view_message", "view_apitoken")

    listed = client.get("/admin/documents/document/")
    assert listed.status_code == 200
    assert {d.pk for d in listed.context["cl"].result_list} == {world.documents["a"].pk}
    assert client.get(f"/admin/documents/document/{world.documents['b'].pk}/change/").status_code == 302  # "no such"
    page = client.get(f"/admin/documents/document/{world.documents['a'].pk}/change/")
    assert page.status_code == 200 and not page.context["has_change_permission"]  # a reader: view only
    assert list(client.get("/admin/documents/collection/").context["cl"].result_list) == []  # manages none
    assert client.get("/admin/chat/message/").status_code == 403
    assert client.get("/admin/accounts/apitoken/").status_code == 403


def test_an_editor_in_the_admin_may_change_their_collections_documents_only():
    world = world_build()
    world.users["staff"].groups.add(world.users["dana"].groups.get())  # an editor of A
    client = staff_with(world, "view_document", "change_document", "delete_document")

    page = client.get(f"/admin/documents/document/{world.documents['a'].pk}/change/")
    assert page.context["has_change_permission"] and page.context["has_delete_permission"]
    choices = {c.pk for c in page.context["adminform"].form.fields["collection"].queryset}
    assert choices == {world.collections["A"].pk}  # a document moves only where its editor edits
