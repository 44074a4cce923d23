"""The token form: a name, the scopes this user may grant, an expiry in days (empty: never)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from webapp.accounts.tokens import scopes_offered

EXPIRY_CHOICES = [("30", _("30 days")), ("90", _("90 days")), ("365", _("1 year")), ("", _("Never"))]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100,
                           help_text=_("What uses it, e.g. “intranet bot”: you will recognise it in the list."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), widget=forms.CheckboxSelectMultiple)
    expires_in_days = forms.ChoiceField(label=_("Expires after"), choices=EXPIRY_CHOICES, required=False, initial="90")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = [(s.value, f"{s.value} — {s.label}") for s in scopes_offered(user)]

    def expiry_days(self) -> int | None:
        value = self.cleaned_data.get("expires_in_days")
        return int(value) if value else None
