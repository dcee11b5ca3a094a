"""The audit log: append-only in the database, complete login trail, viewer with filters, export, retention."""

from __future__ import annotations

import datetime
import gzip
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from taizhang.core import audit
from taizhang.core.db import guard_installed
from taizhang.core.models import AuditEntry
from taizhang.core.testing import PASSWORD, make_user

pytestmark = pytest.mark.django_db


def entry(**kwargs: Any) -> AuditEntry:
    row = AuditEntry(action=kwargs.pop("action", "update"), object_type="ledger.record", object_id="1", **kwargs)
    if "timestamp" in kwargs:  # a back-dated row, as if written long ago: only with the guard lifted
        from taizhang.core.db import maintenance_window

        with transaction.atomic(), maintenance_window(connection):
            audit.append([row], keep_timestamps=True)
    else:
        row.save()
    return row


def test_the_database_refuses_update_and_delete() -> None:
    row = entry()
    assert guard_installed(connection)
    for attempt in (
        lambda: AuditEntry.objects.filter(pk=row.pk).update(message="改了"),
        lambda: AuditEntry.objects.filter(pk=row.pk).delete(),
        lambda: AuditEntry.objects.all().delete(),
    ):
        with pytest.raises(DatabaseError, match="审计日志只能追加"), transaction.atomic():
            attempt()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET success = %s", [False])
    with pytest.raises(RuntimeError):
        row.save()
    with pytest.raises(RuntimeError):
        row.delete()
    assert AuditEntry.objects.get(pk=row.pk).message == ""


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_postgresql_refuses_truncate() -> None:
    entry()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE core_auditentry")


@pytest.mark.django_db(transaction=True)
def test_a_database_flush_keeps_the_guard() -> None:
    entry()
    # as the test runner flushes (post_migrate inhibited): the migrated rows come back from the serialized copy
    call_command("flush", interactive=False, verbosity=0, inhibit_post_migrate=True)
    assert AuditEntry.objects.count() == 0
    assert guard_installed(connection)
    row = entry()
    with pytest.raises(DatabaseError):
        AuditEntry.objects.filter(pk=row.pk).delete()


def test_logins_logouts_and_failures_are_recorded(tree: Any) -> None:
    user = make_user("liaison", tree.street_a)
    client = Client()
    client.post("/accounts/login/", {"username": user.username, "password": "nope"}, REMOTE_ADDR="10.7.0.1")
    client.post("/accounts/login/", {"username": user.username, "password": PASSWORD}, REMOTE_ADDR="10.7.0.1")
    client.post("/accounts/logout/", REMOTE_ADDR="10.7.0.1")
    rows = list(AuditEntry.objects.filter(username=user.username).order_by("id"))
    assert [(r.action, r.success) for r in rows] == [("login_failed", False), ("login", True), ("logout", True)]
    assert all(r.address == "10.7.0.1" and r.channel == "web" and r.request_id for r in rows)
    assert rows[1].roles == "liaison" and rows[1].user_id == user.pk


def test_a_change_records_who_when_where_and_before_after(tree: Any) -> None:
    from taizhang.org import actions

    sysadmin = make_user("sysadmin", tree.district)
    actions.update_unit(acting_user=sysadmin, unit=tree.bureau, expected_version=tree.bureau.version,
                        name="区教育体育局")
    row = AuditEntry.objects.filter(action="update", object_type="org.unit").latest("id")
    assert row.username == sysadmin.username and row.roles == "sysadmin" and row.success
    assert row.before["name"] == "区教育局" and row.after["name"] == "区教育体育局"
    assert abs((timezone.now() - row.timestamp).total_seconds()) < 60


@pytest.fixture
def auditor(tree: Any) -> Client:
    client = Client()
    client.force_login(make_user("auditadmin", tree.district))
    return client


def test_viewer_filters(auditor: Client) -> None:
    old = timezone.now() - datetime.timedelta(days=10)
    entry(action="login_failed", success=False, username="mallory", address="203.0.113.9", timestamp=old)
    entry(action="update", username="alice", object_repr="东城街道 宣讲")
    entry(action="export", username="bob", message="导出台账")
    page = auditor.get("/audit/").content.decode()
    assert "mallory" in page and "alice" in page and "bob" in page
    only = auditor.get("/audit/", {"success": "0"}).content.decode()
    assert "mallory" in only and "alice" not in only
    assert "alice" in auditor.get("/audit/", {"user": "ali"}).content.decode()
    assert "bob" not in auditor.get("/audit/", {"action": "update"}).content.decode()
    assert "alice" in auditor.get("/audit/", {"q": "宣讲"}).content.decode()
    recent = auditor.get("/audit/", {"start": timezone.localdate().isoformat()}).content.decode()
    assert "mallory" not in recent and "alice" in recent
    assert "mallory" in auditor.get("/audit/", {"address": "203.0.113"}).content.decode()
    bad = auditor.get("/audit/", {"start": "2024-05-02", "end": "2024-05-01"})
    assert "结束日期不能早于开始日期" in bad.content.decode()
    detail = auditor.get(f"/audit/{AuditEntry.objects.get(username='alice').pk}/")
    assert detail.status_code == 200 and "东城街道 宣讲" in detail.content.decode()


def test_export_xlsx_and_csv_are_audited_and_inert(auditor: Client) -> None:
    entry(action="update", username="eve", object_repr="=HYPERLINK(\"http://x\")", message="+1+1")
    response = auditor.get("/audit/export/", {"format": "xlsx", "user": "eve"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    values = [c.value for c in ws[2]]
    assert values[1] == "eve" and "'=HYPERLINK" in values[8] and values[10] == "'+1+1"
    csv_response = auditor.get("/audit/export/", {"format": "csv", "user": "eve"})
    text = b"".join(csv_response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "'=HYPERLINK" in text and text.startswith("时间,用户")
    exports = AuditEntry.objects.filter(action="export", object_type="core.auditentry")
    assert exports.count() == 2 and exports.first().after["filters"] == {"user": "eve"}  # type: ignore[union-attr]


def test_cli_export(tmp_path: Path) -> None:
    entry(action="update", username="carol")
    out = tmp_path / "audit.csv"
    call_command("audit_export", "--out", str(out), "--user", "carol")
    assert "carol" in out.read_text(encoding="utf-8-sig")
    assert AuditEntry.objects.filter(action="export", channel="cli").exists()


def test_prune_keeps_the_retention_and_archives_first(tmp_path: Path, settings: Any) -> None:
    now = timezone.now()
    old = [entry(username=f"old{i}", timestamp=now - datetime.timedelta(days=400 + i)) for i in range(3)]
    young = entry(username="young", timestamp=now - datetime.timedelta(days=100))
    with pytest.raises(CommandError, match="至少保存 180 天"):
        call_command("audit_prune", "--archive-dir", str(tmp_path), "--before", timezone.localdate().isoformat())
    call_command("audit_prune", "--archive-dir", str(tmp_path))  # preview: archive written, nothing deleted
    assert AuditEntry.objects.filter(pk__in=[o.pk for o in old]).count() == 3
    call_command("audit_prune", "--archive-dir", str(tmp_path), "--confirm")
    assert not AuditEntry.objects.filter(pk__in=[o.pk for o in old]).exists()
    assert AuditEntry.objects.filter(pk=young.pk).exists()
    archives = sorted(tmp_path.glob("*.jsonl.gz"))
    with gzip.open(archives[-1], "rt", encoding="utf-8") as f:
        names = {json.loads(line)["username"] for line in f}
    assert names == {"old0", "old1", "old2"}
    digest = (archives[-1].with_name(archives[-1].name + ".sha256")).read_text().split()[0]
    import hashlib

    assert hashlib.sha256(archives[-1].read_bytes()).hexdigest() == digest
    pruned = AuditEntry.objects.get(action="audit_prune")
    assert pruned.after["rows"] == 3
    assert guard_installed(connection)
    with pytest.raises(DatabaseError):
        AuditEntry.objects.filter(pk=young.pk).delete()


def test_actions_registry_has_labels_for_security_events() -> None:
    for action in ("login", "login_failed", "logout", "lockout", "unlock", "password_change", "password_reset",
                   "permission", "export", "download", "totp_enable", "totp_reset", "audit_prune", "backup", "restore"):
        assert action in audit.ACTIONS


def test_viewer_shows_roles_objects_channels_and_fields_by_name(auditor: Client, tree: Any) -> None:
    AuditEntry(action="update", username="alice", roles="liaison,staff", channel="web", object_type="org.unit",
               object_id="9", object_repr="东城街道", before={"name": "东城"}, after={"name": "东城街道"}).save()
    page = auditor.get("/audit/", {"user": "alice"}).content.decode()
    assert "联络员" in page and "org.unit" not in page and "单位" in page and "网页" in page
    assert "liaison,staff" not in page
    pk = AuditEntry.objects.get(username="alice").pk
    detail = auditor.get(f"/audit/{pk}/").content.decode()
    # the object by name and number, never as "#9" (the entry's own number, "审计记录 #9321", is not the object's)
    assert "单位名称" in detail and "#9" not in detail.replace(f"#{pk}", "") and "（编号 9）" in detail


def test_detail_shows_stored_moments_as_local_time(auditor: Client) -> None:
    AuditEntry(action="update", username="carol", object_type="ledger.record", object_id="5",
               before={"submitted_at": None}, after={"submitted_at": "2026-12-06T10:08:00+00:00"}).save()
    page = auditor.get(f"/audit/{AuditEntry.objects.get(username='carol').pk}/").content.decode()
    assert "2026-12-06 18:08:00" in page and "2026-12-06T10:08" not in page
