"""A real OpenID Connect provider for the single sign-on tests: django-oidc-provider in a tiny Django site of
its own (own SQLite file, own cookies), run by tests/test_browser_sso_oidc.py in a second process.

    python -m tests.oidc_provider migrate|creatersakey|runserver …   (manage.py)
    python -m tests.oidc_provider.seed '{…}'                          (client and users, see seed.py)
"""
