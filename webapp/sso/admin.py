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
    list_display = ["subject", "user", "source", "created_at"]
    list_filter = ["source"]
    search_fields = ["subject", "user__username"]
    readonly_fields = ["source", "subject", "user", "created_at"]
