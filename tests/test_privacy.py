"""Admins do not read conversations unless ADMINS_READ_CONVERSATIONS; retention; export_user. In-process."""

import io
import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone

from webapp.audit.chain import record, verify
from webapp.audit.models import AuditEntry
from webapp.audit.retention import retention_apply
from webapp.chat.models import Conversation, Feedback, Message
from webapp.usage.models import AnswerUsage

pytestmark = pytest.mark.django_db
SECRET = "Is my salary above the union floor?"


@pytest.fixture
def conversation():
    owner = User.objects.create_user("hana")
    conversation = Conversation.objects.create(user=owner, title=SECRET)
    Message.objects.create(conversation=conversation, role=Message.Role.USER, text=SECRET)
    answer = Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT, text="It is.")
    Feedback.objects.create(message=answer, user=owner, thumbs_up=False, comment="about my salary")
    return conversation


@pytest.fixture
def admin_client(client):
    client.force_login(User.objects.create_superuser("root", password="x"))
    return client


def test_admins_see_no_conversation_text_by_default(admin_client, conversation):
    message = conversation.messages.first()
    for url in ("/admin/chat/conversation/", f"/admin/chat/conversation/{conversation.pk}/change/",
                "/admin/chat/message/", f"/admin/chat/message/{message.pk}/change/", "/admin/chat/feedback/"):
        page = admin_client.get(url)
        assert page.status_code == 200, url
        assert b"salary" not in page.content, url
    assert not AuditEntry.objects.filter(kind=AuditEntry.Kind.CONVERSATION_READ).exists()


def test_with_the_setting_on_admins_read_conversations_and_every_read_is_audited(admin_client, conversation, settings):
    settings.ADMINS_READ_CONVERSATIONS = True
    message = conversation.messages.first()
    assert SECRET.encode() in admin_client.get(f"/admin/chat/conversation/{conversation.pk}/change/").content
    assert SECRET.encode() in admin_client.get(f"/admin/chat/message/{message.pk}/change/").content
    reads = AuditEntry.objects.filter(kind=AuditEntry.Kind.CONVERSATION_READ).order_by("seq")
    assert [(r.data["what"], r.data["owner_id"]) for r in reads] == [("conversation", conversation.user_id),
                                                                      ("message", conversation.user_id)]
    assert reads[0].personal["username"] == "root"


def test_retention_removes_old_conversations_and_prunes_the_audit_trail_behind_a_checkpoint(conversation, settings):
    settings.CONVERSATION_RETENTION_DAYS, settings.AUDIT_RETENTION_DAYS = 30, 30
    recent = Conversation.objects.create(user=conversation.user, title="recent")
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=timezone.now() - timedelta(days=31))
    for i in range(3):
        last = record(AuditEntry.Kind.EXPORT, data={"n": i})

    pruned = retention_apply()

    assert (pruned.conversations, pruned.messages, pruned.audit_entries) == (1, 2, 0)  # no entry is 30 days old
    assert not Conversation.objects.filter(pk=conversation.pk).exists() and Conversation.objects.filter(pk=recent.pk).exists()

    pruned = retention_apply(now=timezone.now() + timedelta(days=31))  # a month later: every entry so far goes

    assert pruned.audit_entries == last.seq
    checkpoint = AuditEntry.objects.get(kind=AuditEntry.Kind.RETENTION)
    assert checkpoint.data["pruned_through_seq"] == last.seq and checkpoint.data["pruned_last_hash"] == last.hash
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [checkpoint.seq]
    result = verify()
    assert result.ok and result.checked == 1, result.problems


def test_export_user_holds_account_conversations_feedback_tokens_usage_and_audit(conversation, capsys):
    from webapp.accounts.models import ApiToken

    owner = conversation.user
    ApiToken.issue(user=owner, name="laptop")
    AnswerUsage.objects.create(user=owner, surface="browser", prompt_tokens=10, completion_tokens=5)
    call_command("export_user", "hana")
    data = json.loads(capsys.readouterr().out)
    assert data["account"]["username"] == "hana"
    assert data["conversations"][0]["messages"][0]["text"] == SECRET
    assert data["feedback"][0]["comment"] == "about my salary"
    assert data["api_tokens"][0]["name"] == "laptop"
    assert data["usage"][0]["prompt_tokens"] == 10
    assert {e["kind"] for e in data["audit_entries"]} >= {"token_created", "permission"}
    assert AuditEntry.objects.filter(kind=AuditEntry.Kind.EXPORT, data__what="user", data__subject_id=owner.pk).exists()


def test_erase_user_says_what_it_kept_and_why(conversation):
    out = io.StringIO()
    call_command("erase_user", "hana", yes=True, stdout=out)
    text = out.getvalue()
    assert "conversations: 1" in text and "Kept, and why:" in text and "LGPD" in text
    assert not User.objects.filter(username="hana").exists() and not Message.objects.filter(text=SECRET).exists()
    assert not AuditEntry.objects.filter(personal__username="hana").exists()
    assert verify().ok


def test_retention_erases_old_entries_personal_part_and_the_chain_still_verifies(settings):
    settings.AUDIT_PERSONAL_RETENTION_DAYS, settings.AUDIT_RETENTION_DAYS = 30, 0
    entry = record(AuditEntry.Kind.ANSWER, personal={"question": SECRET}, data={"question_sha256": "…"})
    assert retention_apply().audit_entries_pseudonymised == 0
    assert retention_apply(now=timezone.now() + timedelta(days=31)).audit_entries_pseudonymised == 1
    entry = AuditEntry.objects.get(pk=entry.pk)
    assert entry.personal == {} and entry.personal_erased_at is not None and entry.personal_sha256
    assert verify().ok


def test_the_workers_retention_tick_runs_once_per_period(settings):
    """retention_tick is what the worker's heartbeat calls every few seconds; a Redis lock spaces the runs."""
    from retrieval.contracts import events
    from webapp.audit.retention import retention_tick

    settings.CONVERSATION_RETENTION_DAYS = 30
    events.client().delete(events.key("retention:lock"))
    owner = User.objects.create_user("ivo")
    old = Conversation.objects.create(user=owner, title="old")
    Conversation.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(days=40))
    retention_tick()
    assert not Conversation.objects.filter(pk=old.pk).exists()
    again = Conversation.objects.create(user=owner, title="again")
    Conversation.objects.filter(pk=again.pk).update(updated_at=timezone.now() - timedelta(days=40))
    retention_tick()  # within RETENTION_EVERY_S of the last run: nothing
    assert Conversation.objects.filter(pk=again.pk).exists()
    assert 0 < events.client().ttl(events.key("retention:lock")) <= settings.RETENTION_EVERY_S
    events.client().delete(events.key("retention:lock"))
