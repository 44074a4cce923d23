"""What single sign-on keeps: which identity-provider groups become which Acervo groups, and who is who.

Access is granted to Django groups (a collection's readers are groups); an identity provider only says which of
its own groups a person belongs to. A GroupMapping, edited by administrators, turns one of those values (an OIDC
group claim value, an LDAP group's name or DN) into an Acervo group. At each login the groups a source maps are
set to exactly what the provider says; groups no mapping names (granted by hand) are left alone.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    OIDC = "oidc", "OpenID Connect"
    LDAP = "ldap", "LDAP / Active Directory"


class GroupMapping(models.Model):
    source = models.CharField(_("source"), max_length=8, choices=Source.choices, default=Source.OIDC)
    value = models.CharField(
        _("provider group"), max_length=500,
        help_text=_("A value of the OIDC group claim, or an LDAP group's name (cn) or full DN. "
                    "Compared without regard to case."))
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="sso_mappings",
                              verbose_name=_("Acervo group"))

    class Meta:
        verbose_name = _("group mapping")
        verbose_name_plural = _("group mappings")
        ordering = ["source", "value"]
        constraints = [models.UniqueConstraint(fields=["source", "value", "group"], name="sso_mapping_unique")]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.value} → {self.group}"


class Identity(models.Model):
    """An OIDC subject (`sub`) linked to the account it created: users are found by subject, never by e-mail or
    username, so nobody at the provider can take over a local account by choosing its name or address."""

    source = models.CharField(max_length=8, choices=Source.choices)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [models.UniqueConstraint(fields=["source", "subject"], name="sso_identity_unique")]

    def __str__(self) -> str:
        return f"{self.source}:{self.subject} → {self.user}"
