"""`{{ entry|sync_reason }}`: the words for a sync entry's or run's code (webapp.sources.wording)."""

from django import template

from webapp.sources.models import SyncRun
from webapp.sources.wording import describe

register = template.Library()


@register.filter
def sync_reason(row) -> str:
    if isinstance(row, SyncRun):
        return describe(row.error_code, row.error_params)
    return describe(row.code, row.params)
