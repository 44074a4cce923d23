"""LDAP and Active Directory login through django-auth-ldap, configured from the environment.

django-auth-ldap binds as the person (after finding their entry with a search, or from a DN template), copies
the mapped attributes into the Django user at every login, and lists the LDAP groups the person is in. The
mapped ones become Acervo groups through the same GroupMapping rule as single sign-on (webapp/sso/groups.py):
a person removed from an LDAP group loses the Acervo group at their next login.

settings.py builds django-auth-ldap's settings from the LDAP_* values with webapp/sso/ldap_config.py.
"""

from django_auth_ldap.backend import LDAPBackend

from webapp.sso.groups import user_groups_sync
from webapp.sso.models import Source

BACKEND = "webapp.sso.ldap.LdapBackend"


class LdapBackend(LDAPBackend):
    def get_user(self, user_id):
        """The library's get_user returns deactivated users too: a deactivated account loses its sessions."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def authenticate_ldap_user(self, ldap_user, password):
        user = super().authenticate_ldap_user(ldap_user, password)
        if user is not None:
            names = ldap_user.group_names if self.settings.GROUP_TYPE is not None else set()
            dns = ldap_user.group_dns if self.settings.GROUP_TYPE is not None else set()
            user_groups_sync(user=user, source=Source.LDAP, values=set(names) | set(dns))
        return user
