"""Giving and taking roles on a collection. Who may do so is decided in `webapp.access.decide` (`manage`);
these functions only write the grants."""

from django.contrib.auth.models import Group
from django.db import transaction

from webapp.access.models import Grant, Role


def grant(collection, *, role: str = Role.READER, group: Group | None = None, user=None) -> Grant:
    """Give `group` or `user` (exactly one) `role` on `collection`, replacing the role it held there."""
    if (group is None) == (user is None):
        raise ValueError("a grant goes to a group or to a user, not both")
    found, _ = Grant.objects.update_or_create(collection=collection, group=group, user=user, defaults={"role": role})
    return found


def group_roles(collection) -> dict[int, str]:
    """Group id → role, for the groups holding a role on `collection`."""
    return dict(Grant.objects.filter(collection=collection, group__isnull=False).values_list("group_id", "role"))


def group_names_by_role(collection) -> dict[str, list[str]]:
    """Role → sorted names of the groups holding it on `collection` (only roles someone holds)."""
    found: dict[str, list[str]] = {}
    for name, role in Grant.objects.filter(collection=collection, group__isnull=False).order_by(
            "group__name").values_list("group__name", "role"):
        found.setdefault(role, []).append(name)
    return {role: found[role] for role in Role.values if role in found}


def group_roles_set(collection, roles: dict[Group, str | None]) -> None:
    """The groups' roles on `collection` become exactly `roles` (None or "" = no role); grants to single users
    are left as they are (the Django admin edits them)."""
    wanted = {group.pk: role for group, role in roles.items() if role}
    with transaction.atomic():
        Grant.objects.filter(collection=collection, group__isnull=False).exclude(group_id__in=wanted).delete()
        for group_id, role in wanted.items():
            Grant.objects.update_or_create(collection=collection, group_id=group_id, user=None, defaults={"role": role})
