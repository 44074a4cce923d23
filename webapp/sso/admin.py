from django.contrib import admin

from webapp.sso.models import GroupMapping, Identity


@admin.register(GroupMapping)
class GroupMappingAdmin(admin.ModelAdmin):
    list_display = ["value", "group", "source"]
    list_filter = ["source", "group"]
    search_fields = ["value", "group__name"]
    autocomplete_fields = ["group"]


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    """Links made at first login; an administrator may add one to give an existing account to a provider's
    subject (with OIDC_CREATE_USER=false, the only way in), but not repoint one."""

    list_display = ["subject", "user", "source", "created_at"]
    list_filter = ["source"]
    search_fields = ["subject", "user__username"]
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        return ["source", "subject", "user", "created_at"] if obj else ["created_at"]
