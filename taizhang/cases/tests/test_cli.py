"""taizhang cases: one case per line; --json with its stable keys."""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from taizhang.cases import actions
from taizhang.cases.models import Case


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("cases", *args, stdout=out)
    return out.getvalue()


def test_cli_lines_and_json(tree: Any, notices: Any, clock: Any) -> None:
    clock.set(datetime.date(2026, 9, 21))
    late = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="a", sla_days=1)
    Case.objects.filter(pk=late.pk).update(deadline=datetime.date(2020, 1, 2))
    other = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_b1, title="b")
    actions.accept_case(acting_user=None, case=other)
    Case.objects.filter(pk=other.pk).update(deadline=datetime.date(2099, 1, 2))
    lines = run().strip().splitlines()
    assert lines[0].split("\t")[:5] == [str(late.pk), "general", "SA1", "dispatched", "2020-01-02"]
    assert lines[0].endswith("逾期") and len(lines) == 2
    data = json.loads(run("--json", "--unit", "SA"))
    assert data == {"cases": [{"id": late.pk, "kind": "general", "unit": "SA1", "state": "dispatched",
                               "deadline": "2020-01-02", "overdue": True}]}
    assert [c["id"] for c in json.loads(run("--json", "--overdue"))["cases"]] == [late.pk]
    assert [c["id"] for c in json.loads(run("--json", "--state", "accepted"))["cases"]] == [other.pk]
    with pytest.raises(CommandError, match="没有代码"):
        run("--unit", "NOPE")
