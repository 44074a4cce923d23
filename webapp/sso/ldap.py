"""LDAP and Active Directory login through django-auth-ldap, configured from the environment.

django-auth-ldap binds as the person (after finding their entry with a search, or from a DN template), copies
the mapped attributes into the Django user at every login, and lists the LDAP groups the person is in. The
mapped ones become Acervo groups through the same GroupMapping rule as single sign-on (webapp/sso/groups.py):
a person removed from an LDAP group loses the Acervo group at their next login.

settings.py builds django-auth-ldap's settings from the LDAP_* values with webapp/sso/ldap_config.py.
"""

import logging

import ldap
from django_auth_ldap.backend import LDAPBackend

from webapp.sso.groups import user_groups_sync
from webapp.sso.models import Source

BACKEND = "webapp.sso.ldap.LdapBackend"
log = logging.getLogger(__name__)


class LdapBackend(LDAPBackend):
    def get_user(self, user_id):
        """The library's get_user returns deactivated users too: a deactivated account loses its sessions."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def authenticate_ldap_user(self, ldap_user, password):
        """The library's login; then the mapped groups from the person's LDAP groups. When the groups cannot be
        read the login is refused: groups kept from an earlier login could grant what the directory took away."""
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is None or self.settings.GROUP_TYPE is None:
            return user
        try:
            values = set(ldap_user.group_names) | set(ldap_user.group_dns)
        except ldap.LDAPError as exc:
            log.warning("LDAP login of %s refused: their groups could not be read: %s", user.get_username(), exc)
            return None
        user_groups_sync(user=user, source=Source.LDAP, values=values)
        return user
