"""Forms of the staff pages: they parse and label the input; the rules live in the services they feed."""

from django import forms
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

from webapp.access.models import Role
from webapp.chat.search import MAX_K
from webapp.documents.collections import NAME_MAX


class CollectionForm(forms.Form):
    """Name, description, and one role field per group (`role_<group id>`, labelled with the group's name)."""

    name = forms.CharField(label=_("Name"), max_length=NAME_MAX)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    ROLE_CHOICES = [("", _("no access")), *Role.choices]

    def __init__(self, *args, group_roles: dict[int, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role_groups = list(Group.objects.order_by("name"))
        for group in self.role_groups:
            self.fields[f"role_{group.pk}"] = forms.ChoiceField(
                label=group.name, choices=self.ROLE_CHOICES, required=False,
                initial=(group_roles or {}).get(group.pk, ""),
            )

    def role_fields(self):
        return [self[f"role_{group.pk}"] for group in self.role_groups]

    def service_args(self) -> dict:
        """What the collection services take: name, description and {group: role or ""}."""
        data = self.cleaned_data
        return {"name": data["name"], "description": data["description"],
                "group_roles": {group: data.get(f"role_{group.pk}") or None for group in self.role_groups}}


class RetrievalTestForm(forms.Form):
    MODE_CHOICES = [
        ("hybrid", _("Hybrid (dense and lexical)")),
        ("dense", _("Dense (meaning)")),
        ("sparse", _("Lexical (words)")),
    ]

    q = forms.CharField(label=_("Query"), max_length=settings.MAX_SEARCH_QUERY_CHARS)
    collections = forms.TypedMultipleChoiceField(label=_("Collections"), required=False, coerce=int,
                                                 widget=forms.CheckboxSelectMultiple)
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial="hybrid", widget=forms.RadioSelect)
    k = forms.IntegerField(label=_("Passages"), min_value=1, max_value=MAX_K, initial=10)

    def __init__(self, data=None, *, collections=()):
        if data is not None:  # a link with only ?q= searches as the chat does
            data = data.copy()
            data.setdefault("mode", self.base_fields["mode"].initial)
            data.setdefault("k", str(self.base_fields["k"].initial))
        super().__init__(data)
        self.fields["collections"].choices = [(c.pk, c.name) for c in collections]
