"""The data step of monitor 0002 (incident assignments onto cases), run on incidents as they were stored before:
rows with the old assignment fields stand in for the historical model, the cases tables are the real ones."""

from __future__ import annotations

import datetime
import importlib
from types import SimpleNamespace
from typing import Any

from django.apps import apps as real_apps
from django.utils import timezone

migration = importlib.import_module("taizhang.monitor.migrations.0002_incident_assignments_to_cases")


class _Rows:
    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def filter(self, **kw: Any) -> _Rows:
        return _Rows([r for r in self.rows if r.assigned_unit_id is not None])

    def iterator(self) -> Any:
        return iter(self.rows)


class _Apps:
    def __init__(self, rows: list[Any]) -> None:
        self.incidents = SimpleNamespace(objects=_Rows(rows))

    def get_model(self, app: str, name: str) -> Any:
        if (app, name) == ("monitor", "Incident"):
            return self.incidents
        return real_apps.get_model(app, name)


def _old(pk: int, status: str, unit: Any, **kw: Any) -> Any:
    now = timezone.now()
    values = {"pk": pk, "label": f"事件{pk}", "status": status, "assigned_unit_id": unit.pk if unit else None,
              "assigned_at": now, "deadline": now + datetime.timedelta(days=1), "assign_note": "", "escalated": False,
              "escalated_at": None, "closed_at": None, "created_at": now}
    values.update(kw)
    return SimpleNamespace(**values)


def test_assigned_incidents_become_cases(tree: Any) -> None:
    from taizhang.cases.models import Case, CaseEvent

    now = timezone.now()
    rows = [
        _old(101, "assigned", tree.street_a, escalated=True, escalated_at=now, assign_note="请回应"),
        _old(102, "closed", tree.street_b, closed_at=now),
        _old(103, "responded", tree.street_a, deadline=None),
        _old(104, "new", None),
    ]
    migration.forwards(_Apps(rows), None)
    cases = {c.object_id: c for c in Case.objects.filter(kind="incident")}
    assert set(cases) == {101, 102, 103}
    a = cases[101]
    assert (a.state, a.unit, a.escalation_level, a.description) == ("dispatched", tree.street_a, 1, "请回应")
    assert a.deadline == timezone.localtime(now + datetime.timedelta(days=1)).date()
    assert a.content_type.model == "incident" and a.title == "舆情事件：事件101"
    assert CaseEvent.objects.filter(case=a).count() == 2  # dispatch + escalate
    assert cases[102].state == "closed" and cases[102].closed_on_time is True
    assert cases[103].state == "handled" and cases[103].deadline is None
    migration.forwards(_Apps(rows), None)  # idempotent
    assert Case.objects.filter(kind="incident").count() == 3
