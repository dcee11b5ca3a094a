"""The case actions reach people through the notification facility (not mocked here)."""

from __future__ import annotations

from typing import Any

from taizhang.cases import actions
from taizhang.core.models import Notification


def test_dispatch_and_send_back_reach_people(tree: Any, people: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=people.staff, kind="general", unit=tree.community_a1, title="路灯")
    notice = Notification.objects.get(recipient=people.liaison_a1, event="case.dispatched")
    assert notice.url == f"/cases/{case.pk}/"
    assert not Notification.objects.filter(recipient=people.liaison_b1).exists()
    actions.send_back_case(acting_user=people.liaison_a1, case=case, reason="不归我们")
    assert Notification.objects.filter(recipient=people.staff, event="case.sent_back").count() == 1
    assert not Notification.objects.filter(recipient=people.liaison_a1, event="case.sent_back").exists()


def test_escalation_reaches_leaders_then_department(tree: Any, people: Any, clock: Any) -> None:
    import datetime

    clock.set(datetime.date(2026, 11, 2))
    actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="x", sla_days=1)
    clock.set(datetime.date(2026, 11, 4))
    actions.escalate_overdue(now=clock.now)
    assert Notification.objects.filter(recipient=people.reviewer_a1, event="case.overdue").count() == 1
    assert not Notification.objects.filter(recipient=people.staff, event="case.overdue").exists()
    clock.set(datetime.date(2026, 11, 10))
    actions.escalate_overdue(now=clock.now)
    assert Notification.objects.filter(recipient=people.staff, event="case.overdue").count() == 1


def test_many_overdue_cases_of_a_unit_make_one_summary_notice(tree: Any, people: Any, clock: Any) -> None:
    import datetime

    clock.set(datetime.date(2026, 11, 2))
    for i in range(5):
        actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title=f"逾期{i}", sla_days=1)
    actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_b1, title="西一逾期", sla_days=1)
    clock.set(datetime.date(2026, 11, 4))
    assert actions.escalate_overdue(now=clock.now) == 6
    mine = Notification.objects.filter(recipient=people.liaison_a1, event="case.overdue")
    assert mine.count() == 1
    notice = mine.get()
    assert "5 件工单逾期" in notice.title and notice.url == "/cases/?unit=SA1&overdue=on"
    assert Notification.objects.filter(recipient=people.liaison_b1, event="case.overdue").count() == 1
