"""Quotas per group, prices per model profile, and what each answer used (read only)."""

from django.contrib import admin

from webapp.usage.models import AnswerUsage, GroupQuota, ProfilePrice


@admin.register(GroupQuota)
class GroupQuotaAdmin(admin.ModelAdmin):
    list_display = ["group", "member_questions_per_minute", "member_questions_per_day", "member_tokens_per_minute",
                    "member_tokens_per_day", "group_questions_per_day", "group_tokens_per_day"]
    fieldsets = [
        (None, {"fields": ["group"]}),
        ("Each member", {"fields": ["member_questions_per_minute", "member_questions_per_day",
                                    "member_tokens_per_minute", "member_tokens_per_day"],
                         "description": "Empty: the default (QUOTA_USER_*). 0: no limit. A member of several groups "
                                        "gets the most generous."}),
        ("The members together", {"fields": ["group_questions_per_minute", "group_questions_per_day",
                                             "group_tokens_per_minute", "group_tokens_per_day"],
                                  "description": "Empty: the default (QUOTA_GROUP_*). 0: no limit."}),
    ]


@admin.register(ProfilePrice)
class ProfilePriceAdmin(admin.ModelAdmin):
    list_display = ["profile", "currency", "prompt_per_million", "completion_per_million"]


@admin.register(AnswerUsage)
class AnswerUsageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "surface", "profile_name", "prompt_tokens", "completion_tokens", "model_seconds"]
    list_filter = ["surface", "profile_name", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["user__username"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
