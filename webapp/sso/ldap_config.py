"""django-auth-ldap's AUTH_LDAP_* settings from Acervo's LDAP_* values (README: Single sign-on).

settings.py imports this only when LDAP_SERVER_URI is set, so python-ldap is loaded only then; it must not import
Django models (settings are still being read).
"""

from django.core.exceptions import ImproperlyConfigured


def _group_type(name: str):
    from django_auth_ldap import config

    types = {
        "groupOfNames": config.GroupOfNamesType,
        "groupOfUniqueNames": config.GroupOfUniqueNamesType,
        "posixGroup": config.PosixGroupType,
        "activeDirectory": config.NestedActiveDirectoryGroupType,
    }
    if name not in types:
        raise ImproperlyConfigured(f"LDAP_GROUP_TYPE must be one of: {', '.join(types)} (got {name!r})")
    return types[name]()


def ldap_settings(*, server_uri: str, bind_dn: str = "", bind_password: str = "", user_search_base: str = "",
                  user_search_filter: str = "(uid=%(user)s)", user_dn_template: str = "",
                  group_search_base: str = "", group_search_filter: str = "(objectClass=*)",
                  group_type: str = "groupOfNames", attr_map: dict[str, str] | None = None,
                  start_tls: bool = False, timeout_s: int = 10) -> dict:
    """django-auth-ldap's settings (AUTH_LDAP_*) from Acervo's LDAP_* values."""
    import ldap
    from django_auth_ldap.config import LDAPSearch

    if not (user_dn_template or user_search_base):
        raise ImproperlyConfigured("LDAP_SERVER_URI is set: set LDAP_USER_SEARCH_BASE (and LDAP_USER_SEARCH_FILTER) "
                                   "or LDAP_USER_DN_TEMPLATE, to say where people are in the directory")

    found = {
        "AUTH_LDAP_SERVER_URI": server_uri,
        "AUTH_LDAP_BIND_DN": bind_dn,
        "AUTH_LDAP_BIND_PASSWORD": bind_password,
        "AUTH_LDAP_START_TLS": start_tls,
        "AUTH_LDAP_USER_ATTR_MAP": attr_map if attr_map is not None else
        {"first_name": "givenName", "last_name": "sn", "email": "mail"},
        "AUTH_LDAP_ALWAYS_UPDATE_USER": True,
        "AUTH_LDAP_CONNECTION_OPTIONS": {ldap.OPT_NETWORK_TIMEOUT: timeout_s, ldap.OPT_TIMEOUT: timeout_s,
                                         ldap.OPT_REFERRALS: 0},
        "AUTH_LDAP_GROUP_SEARCH": None,
        "AUTH_LDAP_GROUP_TYPE": None,
    }
    if user_dn_template:
        found["AUTH_LDAP_USER_DN_TEMPLATE"] = user_dn_template
    else:
        found["AUTH_LDAP_USER_SEARCH"] = LDAPSearch(user_search_base, ldap.SCOPE_SUBTREE, user_search_filter)
    if group_search_base:
        found["AUTH_LDAP_GROUP_SEARCH"] = LDAPSearch(group_search_base, ldap.SCOPE_SUBTREE, group_search_filter)
        found["AUTH_LDAP_GROUP_TYPE"] = _group_type(group_type)
    return found


def attr_map_from(text: str) -> dict[str, str]:
    """"first_name=givenName,email=mail" → {"first_name": "givenName", "email": "mail"}."""
    pairs = [item.split("=", 1) for item in text.split(",") if item.strip()]
    return {field.strip(): attribute.strip() for field, attribute in pairs}
