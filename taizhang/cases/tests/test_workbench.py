"""The case panels on the workbench: the unit's cases (overdue marked), staff's waiting work; never another unit's."""

from __future__ import annotations

import datetime
from typing import Any

from taizhang.cases import actions
from taizhang.cases import workbench as panels
from taizhang.cases.models import Case


def test_panels(tree: Any, people: Any, clock: Any) -> None:
    mine = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="东一")
    other = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_b1, title="西一")
    Case.objects.filter(pk=mine.pk).update(deadline=datetime.date(2020, 1, 1))
    Case.objects.filter(pk=other.pk).update(deadline=datetime.date(2099, 1, 1))
    ctx = panels.unit_cases(people.liaison_a1)
    assert ctx is not None and [c.title for c in ctx["cases"]] == ["东一"] and ctx["cases"][0].is_late
    assert panels.unit_cases(people.staff) is None  # staff do not handle cases
    assert panels.staff_cases(people.liaison_a1) is None
    actions.create_case(acting_user=None, kind="general", unit=tree.district, title="待派发")
    staff = panels.staff_cases(people.staff)
    assert staff is not None and staff["counts"]["new"] == 1 and staff["counts"]["overdue"] == 1
    assert staff["by_unit"] == [{"unit__name": "东一社区", "n": 1}]


def test_panels_on_the_home_page(tree: Any, people: Any, clock: Any, client: Any) -> None:
    actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="宣传栏更新")
    client.force_login(people.liaison_a1)
    page = client.get("/").content.decode()
    assert "本单位工单" in page and "宣传栏更新" in page


def test_the_staff_panels_extension_count_opens_those_cases(tree: Any, people: Any, clock: Any, client: Any) -> None:
    waiting = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="申请延期的")
    actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="按期办理的")
    actions.accept_case(acting_user=people.liaison_a1, case=waiting)
    actions.request_extension(acting_user=people.liaison_a1, case=waiting,
                              until=(waiting.deadline or clock.now.date()) + datetime.timedelta(days=7),
                              reason="需要协调多个部门")
    client.force_login(people.staff)
    home = client.get("/").content.decode()
    assert '<a href="/cases/?extension=on">延期待审批</a>' in home
    listed = client.get("/cases/?extension=on").content.decode()
    assert "申请延期的" in listed and "按期办理的" not in listed
