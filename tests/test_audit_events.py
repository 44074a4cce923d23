"""What writes itself into the audit trail: logins, failed logins, tokens, roles and permissions, documents,
model profiles, admin exports. In-process (Django test client)."""

import json

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile

from webapp.access.models import Grant, Role
from webapp.accounts.models import ApiToken
from webapp.audit.chain import verify
from webapp.audit.models import AuditEntry
from webapp.audit.signals import permission_changed
from webapp.chat.models import ModelProfile
from webapp.documents.models import Collection, Document

pytestmark = pytest.mark.django_db
Kind = AuditEntry.Kind


@pytest.fixture
def admin_user():
    return User.objects.create_superuser("root", password="root-password")


def _kinds() -> list[str]:
    return list(AuditEntry.objects.order_by("seq").values_list("kind", flat=True))


def test_a_login_and_a_failed_login_are_recorded_with_the_address(client):
    user = User.objects.create_user("dora", password="dora-password")
    client.post("/accounts/login/", {"username": "dora", "password": "wrong"}, REMOTE_ADDR="10.1.2.3")
    client.post("/accounts/login/", {"username": "dora", "password": "dora-password"}, REMOTE_ADDR="10.1.2.3")
    failed = AuditEntry.objects.get(kind=Kind.LOGIN_FAILED)
    assert failed.actor_id == user.pk and failed.personal == {"username": "dora", "ip": "10.1.2.3"}
    login = AuditEntry.objects.get(kind=Kind.LOGIN)
    assert login.actor_id == user.pk and login.personal["ip"] == "10.1.2.3"


def test_token_creation_and_revocation_are_recorded():
    user = User.objects.create_user("erin")
    token, _ = ApiToken.issue(user=user, name="ci")
    token_id = token.pk
    token.delete()
    created, revoked = AuditEntry.objects.filter(kind__in=[Kind.TOKEN_CREATED, Kind.TOKEN_REVOKED]).order_by("seq")
    assert created.kind == Kind.TOKEN_CREATED and created.data["prefix"] == token.prefix
    assert revoked.kind == Kind.TOKEN_REVOKED and revoked.data["token_id"] == token_id


def test_a_revocation_by_the_tokens_service_is_recorded_with_its_reason():
    user = User.objects.create_user("ivy")
    first, _ = ApiToken.issue(user=user, name="one")
    ApiToken.issue(user=user, name="two")
    assert ApiToken.objects.filter(user=user).revoke("owner") == 2
    assert ApiToken.objects.filter(user=user).revoke("owner") == 0  # a second call changes nothing, records nothing
    revoked = AuditEntry.objects.filter(kind=Kind.TOKEN_REVOKED).order_by("seq")
    assert sorted(e.data["token_id"] for e in revoked) == sorted(ApiToken.objects.filter(user=user).values_list("pk", flat=True))
    assert {e.data["reason"] for e in revoked} == {"owner"} and {e.data["owner_id"] for e in revoked} == {user.pk}


def test_group_membership_collection_access_and_roles_are_recorded():
    user, group = User.objects.create_user("finn"), Group.objects.create(name="legal")
    collection = Collection.objects.create(name="contracts")
    user.groups.add(group)
    Grant.objects.create(collection=collection, group=group, role=Role.READER)
    user.is_staff = True
    user.save()
    permission_changed(change="grant_added", obj=collection, group_id=group.pk, level="read")
    changes = [e.data["change"] for e in AuditEntry.objects.filter(kind=Kind.PERMISSION).order_by("seq")]
    assert changes == ["user.created", "user.groups.add", "grant.created", "user.roles", "grant_added"]
    roles = AuditEntry.objects.filter(kind=Kind.PERMISSION, data__change="user.roles").get()
    assert roles.data["before"]["is_staff"] is False and roles.data["after"]["is_staff"] is True


def test_document_upload_and_deletion_and_profile_changes_are_recorded(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    collection = Collection.objects.create(name="manuals")
    document = Document(collection=collection, title="Guide", sha256="ab" * 32)
    document.file.save("guide.txt", ContentFile(b"hello"), save=False)
    document.save()
    document.delete()
    profile = ModelProfile.objects.create(name="fast", max_tokens=64)
    profile.max_tokens = 128
    profile.save()
    assert _kinds()[-4:] == [Kind.DOCUMENT_UPLOADED, Kind.DOCUMENT_DELETED, Kind.PROFILE, Kind.PROFILE]
    changed = AuditEntry.objects.filter(kind=Kind.PROFILE).order_by("seq").last()
    assert changed.data["change"] == "changed" and changed.data["fields"]["max_tokens"] == 128
    assert verify().ok


def test_the_admin_lists_entries_offers_no_change_and_exports_csv_and_jsonl(client, admin_user):
    client.force_login(admin_user)
    User.objects.create_user("gus")
    entries = list(AuditEntry.objects.order_by("seq"))
    page = client.get("/admin/audit/auditentry/?kind=permission")
    assert page.status_code == 200 and b"Add audit entry" not in page.content
    client.get("/admin/")  # nothing recorded by browsing
    by_user = client.get(f"/admin/audit/auditentry/?actor_id={admin_user.pk}")
    assert [e.kind for e in by_user.context["cl"].result_list] == [Kind.LOGIN]  # force_login logs in
    assert client.get("/admin/audit/auditentry/?q=root").status_code == 200
    assert client.post(f"/admin/audit/auditentry/{entries[0].pk}/delete/").status_code == 403
    ids = [str(e.pk) for e in entries]
    jsonl = client.post("/admin/audit/auditentry/", {"action": "export_jsonl", "_selected_action": ids})
    rows = [json.loads(line) for line in jsonl.content.decode().splitlines()]
    assert [r["hash"] for r in rows] == [e.hash for e in entries]
    csv = client.post("/admin/audit/auditentry/", {"action": "export_csv", "_selected_action": ids})
    assert csv["Content-Type"].startswith("text/csv") and csv.content.decode().startswith("seq,created_at,kind")
    exports = AuditEntry.objects.filter(kind=Kind.EXPORT, actor_id=admin_user.pk)
    assert sorted(e.data["what"] for e in exports) == ["audit.csv", "audit.jsonl"]


@pytest.mark.parametrize(("path", "headers", "surface"), [
    ("/v1/chat/completions", {}, "openai"), ("/mcp", {}, "mcp"), ("/admin/chat/message/", {}, "admin"),
    ("/api/v1/chat", {"HTTP_AUTHORIZATION": "Bearer acv_x"}, "api"), ("/api/v1/chat", {}, "browser"),
    ("/", {}, "browser"),
])
def test_the_surface_an_entry_records_defaults_from_the_request_path(rf, path, headers, surface):
    """What question_ask and every receiver read when no surface is passed (sync and async views alike)."""
    import asyncio

    from webapp.audit.context import audit_context_middleware, current_surface

    seen = []
    audit_context_middleware(lambda request: seen.append(current_surface()))(rf.post(path, **headers))

    async def view(request):
        seen.append(current_surface())

    asyncio.run(audit_context_middleware(view)(rf.post(path, **headers)))
    assert seen == [surface, surface] and current_surface() == "cli"
