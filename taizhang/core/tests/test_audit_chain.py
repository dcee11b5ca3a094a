# ruff: noqa: S608 - raw SQL attacks on purpose, built from constants
"""Audit integrity: the hash chain, the insert trigger and `taizhang audit_verify` (SQLite and PostgreSQL).

Each attack is tried with raw SQL, as someone with database access would: UPDATE, DELETE, SQLite's INSERT OR
REPLACE, UPSERT, forged and back-dated INSERTs, and removing the triggers before rewriting rows. The database
refuses what it can; what it cannot (a forged row with a made-up digest, tampering after the triggers are gone)
`audit_verify` finds and reports with the first broken link.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.db import lift_statements, maintenance_window, missing_triggers
from taizhang.core.models import AuditEntry

pytestmark = pytest.mark.django_db
COLUMNS = ("id, timestamp, user_id, username, roles, address, channel, request_id, action, object_type, "
           "object_id, object_repr, success, before, after, message, prev_hash, row_hash")
LAST_TS = "(SELECT timestamp FROM core_auditentry ORDER BY id DESC LIMIT 1)"
LAST_HASH = "(SELECT row_hash FROM core_auditentry ORDER BY id DESC LIMIT 1)"
NEXT_ID = "(SELECT max(id) + 1 FROM core_auditentry)"


def rows(n: int = 5) -> list[AuditEntry]:
    for i in range(n):
        audit.record("update", None, user=None, object_type="ledger.record", object_id=str(i),
                     object_repr=f"记录{i}", before={"a": i, "说明": "旧"}, after={"a": i + 1, "x": [1.5, None]})
    return list(AuditEntry.objects.order_by("id"))


def values_sql(id_sql: str, ts_sql: str, prev_sql: str, row_hash: str = "'sha256:forged'") -> str:
    return (f"{id_sql}, {ts_sql}, NULL, 'mallory', '', '', 'web', '', 'login', 'accounts.user', '1', '伪造', "
            f"%s, NULL, NULL, '伪造的记录', {prev_sql}, {row_hash}")


def raw(sql: str, params: list[Any] | None = None) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params if params is not None else [True])


def verify_fails(match: str) -> str:
    with pytest.raises(CommandError, match=match) as info:
        call_command("audit_verify")
    return str(info.value)


def test_rows_form_a_chain_that_verifies(settings: Any) -> None:
    entries = rows(4)
    audit.record_many("update", [], user=None)
    assert all(e.row_hash.startswith("sha256:") for e in entries)
    assert [e.prev_hash for e in entries[1:]] == [e.row_hash for e in entries[:-1]]
    settings.TAIZHANG_AUDIT_HASH = "sm3"
    rows(2)
    assert AuditEntry.objects.order_by("-id").first().row_hash.startswith("sm3:")  # type: ignore[union-attr]
    report = audit.verify_chain()
    assert report.ok and report.rows == AuditEntry.objects.count()
    call_command("audit_verify")


def test_update_and_delete_are_refused() -> None:
    entries = rows(3)
    for sql in ("UPDATE core_auditentry SET message = 'x'", "DELETE FROM core_auditentry WHERE id = %s"):
        with pytest.raises(DatabaseError):
            raw(sql, [entries[1].pk] if "%s" in sql else [])
    assert audit.verify_chain().ok


@pytest.mark.skipif("connection.vendor != 'sqlite'")
def test_sqlite_insert_or_replace_is_refused() -> None:
    entries = rows(3)
    target = entries[1].pk
    with pytest.raises(DatabaseError, match="只能按顺序追加"):
        raw(f"INSERT OR REPLACE INTO core_auditentry ({COLUMNS}) "
            f"VALUES ({values_sql(str(target), LAST_TS, LAST_HASH)})")
    with pytest.raises(DatabaseError, match="只能按顺序追加"):
        raw(f"REPLACE INTO core_auditentry ({COLUMNS}) VALUES ({values_sql(str(target), LAST_TS, LAST_HASH)})")
    assert AuditEntry.objects.get(pk=target).object_repr == "记录1"
    assert audit.verify_chain().ok


def test_upsert_is_refused() -> None:
    entries = rows(3)
    target = entries[0].pk
    with pytest.raises(DatabaseError):
        raw(f"INSERT INTO core_auditentry ({COLUMNS}) VALUES ({values_sql(str(target), LAST_TS, LAST_HASH)}) "
            "ON CONFLICT (id) DO UPDATE SET message = 'rewritten'")
    assert AuditEntry.objects.get(pk=target).message == ""
    assert audit.verify_chain().ok


def test_forged_back_dated_or_out_of_order_inserts_are_refused() -> None:
    entries = rows(3)
    attempts = [
        values_sql(NEXT_ID, "'2020-01-01 00:00:00'", LAST_HASH),  # back-dated
        values_sql(NEXT_ID, LAST_TS, "'sha256:not-the-last'"),  # not linked to the last row
        values_sql(str(entries[0].pk - 1 if entries[0].pk > 1 else 0), LAST_TS, LAST_HASH),  # below the last id
        values_sql(NEXT_ID, LAST_TS, LAST_HASH, row_hash="''"),  # no digest
    ]
    for values in attempts:
        with pytest.raises(DatabaseError):
            raw(f"INSERT INTO core_auditentry ({COLUMNS}) VALUES ({values})")
    assert AuditEntry.objects.count() == 3 and audit.verify_chain().ok


def test_a_forged_row_that_passes_the_trigger_is_found_by_audit_verify() -> None:
    rows(3)
    raw(f"INSERT INTO core_auditentry ({COLUMNS}) VALUES ({values_sql(NEXT_ID, LAST_TS, LAST_HASH)})")
    forged = AuditEntry.objects.order_by("-id").first()
    assert forged is not None and forged.username == "mallory"
    message = verify_fails("审计日志校验未通过")
    assert f"编号 {forged.pk}" in message and "内容与校验值不符" in message
    rows(1)  # the chain goes on after it, and the forgery stays visible
    assert audit.verify_chain().breaks[0].entry_id == forged.pk


def test_removing_the_triggers_then_rewriting_is_found_by_audit_verify() -> None:
    entries = rows(5)
    with connection.cursor() as cursor:
        for sql in lift_statements(connection.vendor):
            cursor.execute(sql)
    assert missing_triggers(connection)
    raw("UPDATE core_auditentry SET message = '改写' WHERE id = %s", [entries[1].pk])
    raw("DELETE FROM core_auditentry WHERE id = %s", [entries[3].pk])
    message = verify_fails("缺少审计日志防篡改触发器")
    assert f"第一处断裂在编号 {entries[1].pk}" in message and "内容与校验值不符" in message
    report = audit.verify_chain(limit_breaks=10)
    assert [b.entry_id for b in report.breaks] == [entries[1].pk, entries[4].pk]
    assert "删除" in report.breaks[1].reason


def test_deleting_the_head_is_found_but_a_prune_keeps_the_chain_verifiable(tmp_path: Path) -> None:
    now = timezone.now()
    for i in range(3):
        row = AuditEntry(action="update", object_type="ledger.record", object_id=str(i), username=f"old{i}",
                         timestamp=now - datetime.timedelta(days=400 - i))
        with transaction.atomic(), maintenance_window(connection):
            audit.append([row], keep_timestamps=True)
    rows(2)
    call_command("audit_prune", "--archive-dir", str(tmp_path), "--confirm")
    assert not AuditEntry.objects.filter(username__startswith="old").exists()
    prune = AuditEntry.objects.get(action="audit_prune")
    assert prune.after["anchor_hash"].startswith("sha256:")
    call_command("audit_verify")  # the remaining rows start from the archive's anchor
    # Deleting the oldest remaining row by hand (not a prune) breaks the start of the chain.
    first = AuditEntry.objects.order_by("id").first()
    assert first is not None
    with transaction.atomic(), maintenance_window(connection):
        AuditEntry.objects.filter(pk=first.pk).delete()
    message = verify_fails("第一条记录")
    assert "开头的记录被删除" in message


def test_values_verify_as_the_database_gives_them_back() -> None:
    audit.record("update", None, user=None, object_type="x", object_id="1",
                 before={"big": 1e16, "small": 0.1, "huge": 1.5e300, "n": 12345678901234567890, "neg": -0.0,
                         "nested": [{"键": "值", "t": True, "none": None}], "text": "\u200b 制表\t"},
                 after={"d": "2024-05-12", "f": 2.50, "i": 3})
    assert audit.verify_chain().ok


def test_writers_are_serialised_and_ids_follow_the_chain() -> None:
    rows(2)
    with transaction.atomic():
        audit.record("update", None, user=None, object_type="x", object_id="1")
        audit.record_many("update", [], user=None)
        audit.record("update", None, user=None, object_type="x", object_id="2")
    ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    assert ids == sorted(set(ids)) and audit.verify_chain().ok
