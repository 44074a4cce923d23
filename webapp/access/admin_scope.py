"""What the Django admin shows to whom, from `webapp.access.decide`: staff open the admin and Django's model
permissions apply as usual; on top of them, collection-bound rows are narrowed to the collections the user may
act on, and what belongs to single users (conversations, messages, feedback, tokens) is for superusers only."""

from django.contrib import admin

from webapp.access import decide
from webapp.access.models import Grant


class SuperusersOnly:
    """A ModelAdmin mixin: the model's pages exist only for superusers (others get 403, and no menu entry)."""

    def has_module_permission(self, request):
        return decide.superuser(request.user)

    def has_view_permission(self, request, obj=None):
        return decide.superuser(request.user)

    def has_add_permission(self, request, *args):
        return decide.superuser(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return decide.superuser(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return decide.superuser(request.user) and super().has_delete_permission(request, obj)


class GrantInline(admin.TabularInline):
    """A collection's grants, to a group or to one user, edited on the collection's admin page."""

    model = Grant
    fields = ["group", "user", "role"]
    autocomplete_fields = []
    extra = 1
