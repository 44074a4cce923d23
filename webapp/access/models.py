"""Who holds which role on a collection: a grant to a group, or to one user.

Roles are cumulative: a **reader** asks and searches; an **editor** also uploads, replaces, re-ingests and deletes
the collection's documents; a **manager** also edits the collection (name, description, grants). Superusers hold
every role on every collection without a grant. A user's role on a collection is the highest of their own grant
and their groups' grants. What each role allows is decided in `webapp.access.decide`, nowhere else.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    READER = "reader", _("reader")
    EDITOR = "editor", _("editor")
    MANAGER = "manager", _("manager")


# Each role and the roles that hold at least as much.
RANK = {Role.READER: 1, Role.EDITOR: 2, Role.MANAGER: 3}


def roles_at_least(role: str) -> list[str]:
    return [r for r, rank in RANK.items() if rank >= RANK[role]]


class Grant(models.Model):
    """`role` on `collection` for `group` or for `user` (exactly one of them)."""

    collection = models.ForeignKey("documents.Collection", on_delete=models.CASCADE, related_name="grants",
                                   verbose_name=_("collection"))
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE, related_name="grants",
                              verbose_name=_("group"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="grants", verbose_name=_("user"))
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.READER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("grant")
        verbose_name_plural = _("grants")
        constraints = [
            models.CheckConstraint(
                condition=Q(group__isnull=False, user__isnull=True) | Q(group__isnull=True, user__isnull=False),
                name="grant_group_xor_user",
            ),
            models.UniqueConstraint(fields=["collection", "group"], condition=Q(group__isnull=False),
                                    name="grant_one_per_group"),
            models.UniqueConstraint(fields=["collection", "user"], condition=Q(user__isnull=False),
                                    name="grant_one_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.group or self.user}: {self.role} of {self.collection}"
