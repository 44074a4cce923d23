"""A local account's lifecycle: a password change or a deactivation ends that user's sessions and revokes their
API tokens at once, whoever makes the change (the password page, the admin, `changepassword`, a script).

Django alone would refuse an old session only at its next request (the session keeps a hash of the password)
and never an API token; here the sessions are deleted from the store and the tokens revoked in the same save.
The browser that changed its own password keeps its session: the password page cycles it to a new key after
the save (`update_session_auth_hash`), so only the other sessions end.

A bulk `User.objects.update(is_active=False)` sends no signal: those users' sessions and tokens stop working
anyway (Django refuses an inactive user's session, TokenAuth an inactive owner's token) but are not revoked.

Sessions are found by reading the session store, which needs a store that can be listed: the database engine
(SESSION_ENGINE's default, the one Acervo uses). A user has few sessions; the scan reads the unexpired ones.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import is_password_usable
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from webapp.accounts.models import RevokedReason
from webapp.accounts.tokens import tokens_revoke_for_user

WATCHED = {"password", "is_active"}


def sessions_end(*, user) -> int:
    """Delete every session signed in as `user`; how many were deleted."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if str(store().decode(session.session_data).get("_auth_user_id")) == str(user.pk):
            keys.append(session.session_key)
    Session.objects.filter(session_key__in=keys).delete()
    return len(keys)


def account_close_doors(*, user, reason: str) -> None:
    """End the user's sessions and revoke their tokens (reason: a RevokedReason)."""
    sessions_end(user=user)
    tokens_revoke_for_user(user=user, reason=reason)


def _rehash_only(instance, update_fields) -> bool:
    """Django re-hashing the same password at login (a stronger hasher): not a change of password."""
    return update_fields is not None and set(update_fields) == {"password"} and getattr(instance, "_password", 1) is None


def _usable(*hashes: str) -> bool:
    """A single sign-on account's unusable password may be re-drawn at each login: only a real password counts."""
    return any(is_password_usable(h) for h in hashes)


def _remember_before(sender, instance, raw=False, update_fields=None, **kwargs):
    instance._lifecycle_before = None
    if raw or instance.pk is None or (update_fields is not None and not WATCHED & set(update_fields)):
        return
    if _rehash_only(instance, update_fields):
        return
    instance._lifecycle_before = sender.objects.filter(pk=instance.pk).values("password", "is_active").first()


def _act_after(sender, instance, created=False, raw=False, **kwargs):
    before = getattr(instance, "_lifecycle_before", None)
    instance._lifecycle_before = None
    if created or raw or before is None:
        return
    if before["is_active"] and not instance.is_active:
        account_close_doors(user=instance, reason=RevokedReason.DEACTIVATED)
    elif before["password"] != instance.password and _usable(before["password"], instance.password):
        account_close_doors(user=instance, reason=RevokedReason.PASSWORD_CHANGED)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(_remember_before, sender=user_model, dispatch_uid="acervo-lifecycle-before")
    post_save.connect(_act_after, sender=user_model, dispatch_uid="acervo-lifecycle-after")
