"""Admin for the review rows: cases can be edited or removed; runs, switches and prompts are read-only records."""

from django.contrib import admin

from webapp.review.models import EvaluationSet, ProfileSwitch, RegressionCase, SetRun


class CaseInline(admin.TabularInline):
    model = RegressionCase
    fields = ("question", "expected_answer", "should_refuse")
    extra = 0


@admin.register(EvaluationSet)
class EvaluationSetAdmin(admin.ModelAdmin):
    list_display = ("collection", "created_at")
    inlines = [CaseInline]


@admin.register(SetRun)
class SetRunAdmin(admin.ModelAdmin):
    list_display = ("evaluation_set", "profile_name", "status", "trigger", "done", "total", "created_at")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in SetRun._meta.fields]


@admin.register(ProfileSwitch)
class ProfileSwitchAdmin(admin.ModelAdmin):
    list_display = ("switched_at", "switched_by", "from_profile", "to_profile_name", "run")
    readonly_fields = [f.name for f in ProfileSwitch._meta.fields]
