"""The source form of the collections page: it parses and labels; `webapp.sources.services` decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from webapp.sources.models import Source


class SourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Source.Kind.choices)
    location = forms.CharField(label=_("Folder path, start page or sitemap.xml"), max_length=1000)
    interval_minutes = forms.IntegerField(label=_("Sync every (minutes, 0 = only on demand)"), min_value=0,
                                          max_value=60 * 24 * 30, initial=60)
    max_depth = forms.IntegerField(label=_("Link depth (websites)"), min_value=0, max_value=20, initial=2)
    max_pages = forms.IntegerField(label=_("At most this many pages (websites)"), min_value=1, max_value=100_000,
                                   initial=200)
    domain = forms.CharField(label=_("Domain (websites; empty = the start page's host only)"), max_length=253,
                             required=False)

    @classmethod
    def for_source(cls, source: Source, prefix: str) -> "SourceForm":
        return cls(prefix=prefix, initial={field: getattr(source, field) for field in cls.base_fields})
