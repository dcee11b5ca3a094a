"""Audit completeness: the number of audit rows equals the number of changed rows, bulk paths included; and every
state-changing action of every app writes the audit log."""

from __future__ import annotations

import ast
import datetime
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from taizhang.core.models import AuditEntry
from taizhang.core.testing import make_record, make_user

ROOT = Path(__file__).resolve().parents[2]


def audited(action: str, object_type: str, fn: Callable[[], Any]) -> tuple[Any, int]:
    before = AuditEntry.objects.filter(action=action, object_type=object_type).count()
    result = fn()
    return result, AuditEntry.objects.filter(action=action, object_type=object_type).count() - before


@pytest.mark.django_db
def test_single_and_bulk_changes_write_one_row_per_changed_row(taxonomy: Any, tree: Any) -> None:
    from taizhang.ledger import actions
    from taizhang.ledger.excel.importer import import_file
    from taizhang.ledger.excel.testing import fill_template
    from taizhang.ledger.models import ActivityType, Record
    from taizhang.org import actions as org_actions
    from taizhang.org.models import Unit

    sysadmin = make_user("sysadmin", tree.district)
    liaison = make_user("liaison", tree.street_a)
    reviewer = make_user("reviewer", tree.district)

    n_units = Unit.objects.count()
    _, rows = audited("create", "org.unit", lambda: [org_actions.create_unit(
        acting_user=sysadmin, code=f"N{i}", name=f"新单位{i}", parent=tree.street_b) for i in range(3)])
    assert Unit.objects.count() - n_units == rows == 3

    atype = ActivityType.objects.get(key="lecture_event")
    n_records = Record.objects.count()
    created, rows = audited("create", "ledger.record", lambda: [actions.create_record(
        acting_user=liaison, unit=tree.street_a, activity_type=atype, title=f"宣讲{i}",
        start_date=datetime.date(2024, 5, 1 + i), figures={"lecture_audience": 10 + i}) for i in range(4)])
    assert Record.objects.count() - n_records == rows == 4

    _, rows = audited("update", "ledger.record", lambda: actions.update_record(
        acting_user=liaison, record=created[0], expected_version=created[0].version, title="宣讲（改）"))
    assert rows == 1
    _, rows = audited("delete", "ledger.record", lambda: actions.delete_record(acting_user=liaison,
                                                                               record=created[3]))
    assert rows == 1 and not Record.objects.filter(pk=created[3].pk).exists()

    # Bulk import: 25 rows → 25 records → 25 create rows, plus one row for the batch.
    data = fill_template(ActivityType.objects.get(key="theory_group_study"), [
        {"单位代码": "SA1", "日期": datetime.date(2024, 3, 1 + i), "标题": f"集体学习{i}", "参学人数": 20 + i}
        for i in range(25)
    ], keep_examples=False)
    n_records = Record.objects.count()
    outcome, rows = audited("create", "ledger.record", lambda: import_file(
        data, filename="导入.xlsx", acting_user=liaison, submit=True))
    assert outcome.created == 25 and Record.objects.count() - n_records == rows == 25
    batch_rows = AuditEntry.objects.filter(action="import", object_type="ledger.importbatch")
    assert batch_rows.count() == 1
    # the batch row and its records' rows share a request id (the viewer can show one import's rows)
    assert AuditEntry.objects.filter(request_id=batch_rows.get().request_id, action="create").count() == 25

    # The same file again: idempotent, nothing created, one (duplicate) import row.
    again, rows = audited("create", "ledger.record", lambda: import_file(
        data, filename="导入.xlsx", acting_user=liaison, submit=True))
    assert again.created == 0 and rows == 0

    # Bulk approve through the review page: one approve row per approved record.
    submitted = list(Record.objects.filter(status="submitted").values_list("pk", flat=True))
    client = Client()
    client.force_login(reviewer)
    from django.urls import reverse

    _, rows = audited("approve", "ledger.record", lambda: client.post(
        reverse("ledger:review_bulk_approve"), {"ids": [str(pk) for pk in submitted]}))
    approved = Record.objects.filter(pk__in=submitted, status="approved").count()
    assert approved == rows == len(submitted) == 25

    # Bulk creation by the system (demo, monitoring proposals) is audited the same way.
    items = [actions.RecordInput(unit=tree.street_b, activity_type=atype, title=f"系统{i}",
                                 start_date=datetime.date(2024, 6, 1), figures={
                                     m.metric: m.default or 5 for m in atype.type_metrics.select_related("metric")})
             for i in range(7)]
    n_records = Record.objects.count()
    _, rows = audited("create", "ledger.record",
                      lambda: actions.create_records_bulk(items, acting_user=None, source="import"))
    assert Record.objects.count() - n_records == rows == 7

    # Role changes, downloads and exports.
    target = make_user()
    _, rows = audited("permission", "org.membership", lambda: org_actions.grant_role(
        acting_user=sysadmin, user=target, unit=tree.street_b, role="viewer"))
    assert rows == 1
    record = make_record(tree.street_a, "lecture_event", {"lecture_audience": 5})
    liaison_client = Client()
    liaison_client.force_login(liaison)
    before = AuditEntry.objects.filter(action="export").count()
    liaison_client.get(reverse("ledger:export"))
    assert AuditEntry.objects.filter(action="export").count() == before + 1
    assert record.pk


AUDITED_MODULES = sorted(
    [*ROOT.glob("*/actions.py"), ROOT / "ledger" / "evidence.py", ROOT / "ledger" / "taxonomy.py"]
)
# Loading the shipped defaults at setup is a system bootstrap, recorded by the setup command's own output.
NOT_AUDITED = {"ledger/taxonomy.py:load_taxonomy", "ledger/taxonomy.py:load_outlets", "ledger/taxonomy.py:load_rules"}


def _decorated_atomic(fn: ast.FunctionDef) -> bool:
    return any("atomic" in ast.unparse(d) for d in fn.decorator_list)


def test_every_transactional_action_writes_the_audit_log() -> None:
    missing = []
    for path in AUDITED_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        # private helpers of the module that write the audit log themselves (cases' _finish, …)
        auditing_helpers = [n for n, f in functions.items() if n.startswith("_") and "audit." in ast.unparse(f)]
        for name, fn in functions.items():
            if name.startswith("_") or not _decorated_atomic(fn):
                continue
            source = ast.unparse(fn)
            calls_action = any(f"{other}(" in source for other, o in functions.items()
                               if o is not fn and _decorated_atomic(o) and not other.startswith("_"))
            delegated = ("org_actions." in source or "_clear_totp" in source
                         or any(f"{helper}(" in source for helper in auditing_helpers))
            if "audit." not in source and not calls_action and not delegated:
                missing.append(f"{path.relative_to(ROOT)}:{name}")
    assert sorted(set(missing) - NOT_AUDITED) == []
