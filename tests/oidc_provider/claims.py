"""What the provider says about a person: the standard profile, and a `groups` claim (scope "groups") listing
the names of their Django groups in the provider's own database."""

from django.utils.translation import gettext_lazy as _
from oidc_provider.lib.claims import ScopeClaims


def userinfo(claims, user):
    claims.update(given_name=user.first_name, family_name=user.last_name, email=user.email,
                  preferred_username=user.username)
    return claims


class GroupClaims(ScopeClaims):
    info_groups = (_("Groups"), _("The groups you belong to."))

    def scope_groups(self):
        return {"groups": sorted(self.user.groups.values_list("name", flat=True))}
