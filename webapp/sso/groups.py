"""One rule for every identity provider: at login, the groups a source maps follow what the provider says.

`user_groups_sync` adds the Acervo groups whose mapping matches one of the provider's values and removes the
groups that source maps but no value matches. Groups that no mapping of that source names are never touched, so
a group granted by hand stays.
"""

from django.db import transaction

from webapp.sso.models import GroupMapping


def mapped_group_ids(*, source: str, values) -> tuple[set[int], set[int]]:
    """(groups this source manages, groups these provider values map to)."""
    wanted_values = {str(value).casefold() for value in values if value}
    managed, wanted = set(), set()
    for value, group_id in GroupMapping.objects.filter(source=source).values_list("value", "group_id"):
        managed.add(group_id)
        if value.casefold() in wanted_values:
            wanted.add(group_id)
    return managed, wanted


@transaction.atomic
def user_groups_sync(*, user, source: str, values) -> None:
    managed, wanted = mapped_group_ids(source=source, values=values)
    current = set(user.groups.filter(pk__in=managed).values_list("pk", flat=True))
    if current - wanted:
        user.groups.remove(*(current - wanted))
    if wanted - current:
        user.groups.add(*(wanted - current))
