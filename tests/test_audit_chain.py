"""The audit trail is append-only and tamper-evident: verify_audit finds an edited and a deleted entry."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from webapp.audit.chain import GENESIS, record, verify
from webapp.audit.models import AuditEntry, AuditEntryIsAppendOnly

pytestmark = pytest.mark.django_db


def _entries(n: int) -> list[AuditEntry]:
    return [record(AuditEntry.Kind.EXPORT, data={"what": "test", "n": i, "ratio": 0.1 * i}) for i in range(n)]


def test_entries_are_chained_from_the_genesis():
    first, second = _entries(2)
    assert (first.seq, first.prev_hash) == (1, GENESIS)
    assert second.prev_hash == first.hash
    assert verify().ok


def test_the_orm_cannot_change_or_delete_an_entry():
    entry = _entries(1)[0]
    entry.data = {"what": "else"}
    with pytest.raises(AuditEntryIsAppendOnly):
        entry.save()
    with pytest.raises(AuditEntryIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditEntryIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(kind="login")
    with pytest.raises(AuditEntryIsAppendOnly):
        AuditEntry.objects.all().delete()


def test_verify_audit_passes_on_an_intact_chain(capsys):
    _entries(3)
    call_command("verify_audit")
    assert "3 entries verified" in capsys.readouterr().out


def test_verify_audit_finds_an_entry_edited_in_the_database():
    entries = _entries(4)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET object_id = %s WHERE seq = %s", ["forged", entries[1].seq])
    with pytest.raises(CommandError) as failed:
        call_command("verify_audit")
    problems = verify().problems
    assert problems == [f"entry #{entries[1].seq}: its content does not match its hash (edited?)"], problems
    assert "1 problem" in str(failed.value)


def test_verify_audit_finds_an_entry_deleted_in_the_database_and_an_edit_elsewhere():
    entries = _entries(5)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [entries[2].seq])
        cursor.execute("UPDATE audit_auditentry SET data = %s WHERE seq = %s", ['{"what": "nothing"}', entries[4].seq])
    problems = verify().problems
    assert f"entries #{entries[2].seq}–#{entries[2].seq} are missing (deleted?)" in problems
    assert f"entry #{entries[4].seq}: its content does not match its hash (edited?)" in problems


def test_verify_audit_finds_the_last_entry_deleted():
    entries = _entries(3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [entries[-1].seq])
    assert any("should end at entry" in p for p in verify().problems)


def test_verify_audit_finds_the_first_entries_deleted():
    entries = _entries(3)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = %s", [entries[0].seq])
    assert any("the chain starts here" in p for p in verify().problems)


def test_edited_personal_data_is_found_and_erased_personal_data_is_not_a_break():
    entry = record(AuditEntry.Kind.LOGIN, personal={"username": "alice", "ip": "10.0.0.1"})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET personal = %s WHERE seq = %s", ['{"username": "mallory"}', entry.seq])
    assert any("personal data does not match" in p for p in verify().problems)
    AuditEntry.objects.filter(pk=entry.pk)._maintenance_update(personal={}, personal_erased_at=entry.created_at)
    assert verify().ok


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_are_serialised_into_one_unbroken_chain():
    """Threads with their own database connections, as the web server and the worker write at once."""
    import threading

    from django.db import connections

    def write(n: int) -> None:
        try:
            for i in range(15):
                record(AuditEntry.Kind.EXPORT, data={"writer": n, "i": i})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 61))
    result = verify()
    assert result.ok and result.checked == 60, result.problems
