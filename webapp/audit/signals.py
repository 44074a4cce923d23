"""What writes audit entries by itself: Django's auth signals and model signals on the rows that matter.

Other modules call the small functions here where no signal exists (`permission_changed` for the access app's
grants, `document_replaced` from the documents service). Receivers are connected once, in AppConfig.ready.
"""

from django.apps import apps
from django.contrib.auth import get_user_model, user_logged_in, user_logged_out, user_login_failed
from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save

from webapp.audit import context
from webapp.audit.chain import record
from webapp.audit.models import AuditEntry

Kind = AuditEntry.Kind
USER_ROLE_FIELDS = ("is_active", "is_staff", "is_superuser")
PROFILE_MODELS = ("chat.modelprofile", "usage.profileprice")


def permission_changed(*, change: str, obj=None, actor=None, **data) -> None:
    """A permission or role changed: `change` names it (e.g. "grant_added"), `data` says what (ids, names)."""
    record(Kind.PERMISSION, actor=actor, obj=obj, data={"change": change, **data})


def document_replaced(*, document, actor=None, previous_sha256: str = "") -> None:
    record(Kind.DOCUMENT_REPLACED, actor=actor, obj=document, data=_document_data(document, previous_sha256=previous_sha256))


def export_recorded(*, what: str, actor=None, count: int | None = None, **data) -> None:
    record(Kind.EXPORT, actor=actor, data={"what": what, "count": count, **data})


def _document_data(document, **extra) -> dict:
    return {"collection_id": document.collection_id, "title": document.title, "sha256": document.sha256,
            "revision": document.revision, "size_bytes": document.size_bytes, **extra}


# --- auth ---------------------------------------------------------------------------------------
def _logged_in(sender, request, user, **kwargs):
    record(Kind.LOGIN, actor=user, personal={"ip": _ip(request)})


def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(Kind.LOGOUT, actor=user, personal={"ip": _ip(request)})


def _login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    known = get_user_model().objects.filter(username=username).values_list("pk", flat=True).first()
    record(Kind.LOGIN_FAILED, actor_id=known, personal={"username": username, "ip": _ip(request)},
           data={"known_user": known is not None})


def _ip(request) -> str:
    return (request.META.get("REMOTE_ADDR", "") if request is not None else "") or context.current_ip()


# --- tokens ---------------------------------------------------------------------------------------
def _token_before(sender, instance, **kwargs):
    old = sender.objects.filter(pk=instance.pk).first() if instance.pk else None
    instance._audit_was_revoked = bool(old is not None and getattr(old, "revoked_at", None))


def _token_saved(sender, instance, created, **kwargs):
    data = {"token_id": instance.pk, "prefix": instance.prefix, "scopes": instance.scopes, "owner_id": instance.user_id}
    if created:
        record(Kind.TOKEN_CREATED, obj=instance, data=data, personal={"name": instance.name})
    elif getattr(instance, "revoked_at", None) and not getattr(instance, "_audit_was_revoked", False):
        record(Kind.TOKEN_REVOKED, obj=instance, data={**data, "reason": getattr(instance, "revoked_reason", "")})


def tokens_revoked(*, tokens: list[dict], reason: str) -> None:
    """Tokens revoked by a queryset update (`ApiToken.objects.revoke`): dicts with pk, prefix and user_id."""
    for token in tokens:
        record(Kind.TOKEN_REVOKED, object_type="accounts.apitoken", object_id=token["pk"],
               data={"token_id": token["pk"], "prefix": token["prefix"], "owner_id": token["user_id"], "reason": reason})


def _token_deleted(sender, instance, **kwargs):
    record(Kind.TOKEN_REVOKED, object_type=sender._meta.label_lower, object_id=instance.pk, data={"token_id": instance.pk, "prefix": instance.prefix,
                                                   "owner_id": instance.user_id, "deleted": True})


# --- roles and permissions ----------------------------------------------------------------------------
def _m2m(change_name: str):
    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action not in ("post_add", "post_remove", "post_clear") or (action != "post_clear" and not pk_set):
            return  # e.g. the groups an SSO login sets again unchanged
        permission_changed(change=f"{change_name}.{action.removeprefix('post_')}", obj=instance,
                           related=model._meta.label_lower, related_ids=sorted(pk_set or []))

    return receiver


def _user_before(sender, instance, update_fields=None, **kwargs):
    if update_fields is not None and not set(update_fields) & set(USER_ROLE_FIELDS):
        instance._audit_roles = None  # e.g. last_login at every login: no role can change, no query
        return
    old = sender.objects.filter(pk=instance.pk).values(*USER_ROLE_FIELDS).first() if instance.pk else None
    instance._audit_roles = old


def _user_saved(sender, instance, created, **kwargs):
    now = {f: getattr(instance, f) for f in USER_ROLE_FIELDS}
    before = getattr(instance, "_audit_roles", None)
    if created:
        permission_changed(change="user.created", obj=instance, roles=now)
    elif before is not None and before != now:
        permission_changed(change="user.roles", obj=instance, before=before, after=now)


def _grant_saved(sender, instance, created, **kwargs):
    permission_changed(change=f"{sender._meta.model_name}.{'created' if created else 'changed'}", obj=instance,
                       fields=_plain_fields(instance))


def _grant_deleted(sender, instance, **kwargs):
    permission_changed(change=f"{sender._meta.model_name}.deleted", obj=instance, fields=_plain_fields(instance))


def _plain_fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


# --- documents and profiles --------------------------------------------------------------------------
def _document_saved(sender, instance, created, **kwargs):
    if created:
        record(Kind.DOCUMENT_UPLOADED, actor=instance.uploaded_by or None, obj=instance, data=_document_data(instance))


def _document_deleted(sender, instance, **kwargs):
    record(Kind.DOCUMENT_DELETED, obj=instance, data=_document_data(instance))


def _profile_saved(sender, instance, created, **kwargs):
    record(Kind.PROFILE, obj=instance, data={"change": "created" if created else "changed", "fields": _plain_fields(instance)})


def _profile_deleted(sender, instance, **kwargs):
    record(Kind.PROFILE, obj=instance, data={"change": "deleted", "fields": _plain_fields(instance)})


def connect_all() -> None:
    user_logged_in.connect(_logged_in, dispatch_uid="audit.login")
    user_logged_out.connect(_logged_out, dispatch_uid="audit.logout")
    user_login_failed.connect(_login_failed, dispatch_uid="audit.login_failed")
    token = apps.get_model("accounts", "ApiToken")
    pre_save.connect(_token_before, sender=token, dispatch_uid="audit.token_before")
    post_save.connect(_token_saved, sender=token, dispatch_uid="audit.token_saved")
    post_delete.connect(_token_deleted, sender=token, dispatch_uid="audit.token_deleted")
    user = get_user_model()
    pre_save.connect(_user_before, sender=user, dispatch_uid="audit.user_before")
    post_save.connect(_user_saved, sender=user, dispatch_uid="audit.user_saved")
    m2m_changed.connect(_m2m("user.groups"), sender=user.groups.through, dispatch_uid="audit.user_groups", weak=False)
    m2m_changed.connect(_m2m("user.permissions"), sender=user.user_permissions.through,
                        dispatch_uid="audit.user_permissions", weak=False)
    m2m_changed.connect(_m2m("group.permissions"), sender=Group.permissions.through,
                        dispatch_uid="audit.group_permissions", weak=False)
    collection = apps.get_model("documents", "Collection")
    if hasattr(collection, "groups"):  # the access app replaces it with grants
        m2m_changed.connect(_m2m("collection.groups"), sender=collection.groups.through,
                            dispatch_uid="audit.collection_groups", weak=False)
    for model in apps.get_models():
        if "grant" in model._meta.model_name or model._meta.model_name.endswith("mapping"):  # access grants, SSO group mappings
            post_save.connect(_grant_saved, sender=model, dispatch_uid=f"audit.grant_saved.{model._meta.label_lower}")
            post_delete.connect(_grant_deleted, sender=model, dispatch_uid=f"audit.grant_deleted.{model._meta.label_lower}")
    document = apps.get_model("documents", "Document")
    post_save.connect(_document_saved, sender=document, dispatch_uid="audit.document_saved")
    post_delete.connect(_document_deleted, sender=document, dispatch_uid="audit.document_deleted")
    for label in PROFILE_MODELS:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        post_save.connect(_profile_saved, sender=model, dispatch_uid=f"audit.profile_saved.{label}")
        post_delete.connect(_profile_deleted, sender=model, dispatch_uid=f"audit.profile_deleted.{label}")
