"""Permissions, deadlines, send-back and arbitration, extensions, closing on time, rating, escalation."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from taizhang.cases import actions
from taizhang.cases.models import Case, CaseEvent, EscalationRule, ExtensionRequest
from taizhang.cases.tests.helpers import case_in
from taizhang.core.errors import InvalidInput, InvalidTransition, NotPermitted

S = Case.State
D = datetime.date


def test_dispatch_deadline_across_national_day(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    clock.set(D(2026, 9, 30))
    case = actions.dispatch_case(acting_user=people.staff, kind="test_citizen", unit=tree.community_a1,
                                 title="井盖缺失")
    # 3 working days after 09-30: 10-08, 10-09, 10-10 (调休 Saturday)
    assert case.deadline == D(2026, 10, 10)
    assert case.deadline_provisional is False
    assert case.sla_days == 3
    assert case.dispatched_by == people.staff
    # registered when it was dispatched, by the same clock (登记于 never later than 派发, in the demo too)
    assert case.created_at == case.dispatched_at == clock.now


def test_dispatch_provisional_deadline_past_known_years(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    clock.set(D(2026, 12, 29))
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="年终督办")
    assert case.deadline_provisional is True
    assert case.deadline is not None and case.deadline.year == 2027


def test_explicit_deadline_and_sla(tree: Any, notices: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="x", sla_days=1)
    assert case.deadline == D(2026, 9, 22)
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="x",
                                 deadline=D(2026, 9, 25))
    assert case.deadline == D(2026, 9, 25)
    with pytest.raises(InvalidInput):
        actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="x",
                              deadline=D(2026, 9, 1))
    with pytest.raises(InvalidInput):
        actions.dispatch_case(acting_user=None, kind="no_such_kind", unit=tree.community_a1, title="x")
    with pytest.raises(InvalidInput):
        actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="  ")


def test_permissions(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    # only staff over the unit dispatch
    for user in (people.liaison_a1, people.reviewer_a1, people.viewer):
        with pytest.raises(NotPermitted):
            actions.dispatch_case(acting_user=user, kind="general", unit=tree.community_a1, title="x")
    case = actions.dispatch_case(acting_user=people.staff, kind="general", unit=tree.community_a1, title="x")
    # another unit's liaison, a reviewer and staff may not accept; the unit's and its parent's liaisons may
    for user in (people.liaison_b1, people.reviewer_a1, people.staff, people.viewer):
        with pytest.raises(NotPermitted):
            actions.accept_case(acting_user=user, case=case)
    actions.accept_case(acting_user=people.liaison_sa, case=case)
    with pytest.raises(NotPermitted):
        actions.handle_case(acting_user=people.liaison_b1, case=case, reply="x")
    actions.handle_case(acting_user=people.liaison_a1, case=case, reply="已办")
    # the unit may not verify, close or reopen its own case
    for call in (
        lambda: actions.verify_case(acting_user=people.liaison_a1, case=case, passed=True),
        lambda: actions.close_case(acting_user=people.liaison_a1, case=case),
        lambda: actions.reopen_case(acting_user=people.liaison_a1, case=case, reason="x"),
        lambda: actions.cancel_case(acting_user=people.liaison_a1, case=case, reason="x"),
    ):
        with pytest.raises(NotPermitted):
            call()
    actions.verify_case(acting_user=people.staff, case=case, passed=True)
    assert case.state == S.CLOSED


def test_send_back_needs_reason_and_arbitration(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=people.staff, kind="general", unit=tree.community_a1, title="x")
    with pytest.raises(InvalidInput):
        actions.send_back_case(acting_user=people.liaison_a1, case=case, reason=" ")
    actions.send_back_case(acting_user=people.liaison_a1, case=case, reason="该路段属西一社区")
    assert case.state == S.SENT_BACK
    assert "case.sent_back" in notices.events()
    # a liaison cannot arbitrate
    with pytest.raises(NotPermitted):
        actions.arbitrate_send_back(acting_user=people.liaison_a1, case=case, uphold=True)
    # overrule needs a reason; it goes back to the same unit
    with pytest.raises(InvalidInput):
        actions.arbitrate_send_back(acting_user=people.staff, case=case, uphold=False)
    actions.arbitrate_send_back(acting_user=people.staff, case=case, uphold=False, reason="属地管理，仍由东一社区办理")
    assert (case.state, case.unit) == (S.DISPATCHED, tree.community_a1)
    # sent back again, now upheld with a new unit: dispatched there
    actions.send_back_case(acting_user=people.liaison_a1, case=case, reason="确属西一社区")
    actions.arbitrate_send_back(acting_user=people.staff, case=case, uphold=True, new_unit=tree.community_b1)
    case.refresh_from_db()
    assert (case.state, case.unit) == (S.DISPATCHED, tree.community_b1)
    kinds = list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["dispatch", "send_back", "arbitrate", "send_back", "arbitrate", "dispatch"]
    # upheld without a new unit: back to 待派发, then dispatched by hand
    actions.send_back_case(acting_user=people.liaison_b1, case=case, reason="也不是我们")
    actions.arbitrate_send_back(acting_user=people.staff, case=case, uphold=True)
    assert case.state == S.NEW
    actions.redispatch_case(acting_user=people.staff, case=case, unit=tree.bureau)
    assert (case.state, case.unit) == (S.DISPATCHED, tree.bureau)


def test_extension_before_and_after_deadline(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    clock.set(D(2026, 9, 21))
    case = actions.dispatch_case(acting_user=people.staff, kind="general", unit=tree.community_a1, title="x",
                                 sla_days=2)
    assert case.deadline == D(2026, 9, 23)
    with pytest.raises(InvalidInput):  # not later than the deadline
        actions.request_extension(acting_user=people.liaison_a1, case=case, until=D(2026, 9, 23), reason="r")
    with pytest.raises(InvalidInput):  # no reason
        actions.request_extension(acting_user=people.liaison_a1, case=case, until=D(2026, 9, 30), reason="")
    clock.set(D(2026, 9, 23), hour=17)  # the deadline day itself is still in time
    req = actions.request_extension(acting_user=people.liaison_a1, case=case, until=D(2026, 9, 30), reason="待采购")
    assert "case.extension_requested" in notices.events()
    with pytest.raises(InvalidTransition):  # one pending request at a time
        actions.request_extension(acting_user=people.liaison_a1, case=case, until=D(2026, 10, 9), reason="r")
    with pytest.raises(NotPermitted):
        actions.decide_extension(acting_user=people.liaison_a1, request=req, approve=True)
    actions.decide_extension(acting_user=people.staff, request=req, approve=True)
    case.refresh_from_db()
    assert case.deadline == D(2026, 9, 30)
    # after the (extended) deadline: refused with a clear message
    clock.set(D(2026, 10, 8))
    with pytest.raises(InvalidTransition, match="已过"):
        actions.request_extension(acting_user=people.liaison_a1, case=case, until=D(2026, 10, 20), reason="r")
    assert ExtensionRequest.objects.filter(case=case).count() == 1


def test_refused_extension_keeps_deadline(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    case = actions.dispatch_case(acting_user=people.staff, kind="general", unit=tree.community_a1, title="x")
    old = case.deadline
    req = actions.request_extension(acting_user=people.liaison_a1, case=case, until=D(2026, 10, 30), reason="r")
    with pytest.raises(InvalidInput):
        actions.decide_extension(acting_user=people.staff, request=req, approve=False)
    actions.decide_extension(acting_user=people.staff, request=req, approve=False, reason="可在期限内完成")
    case.refresh_from_db()
    assert case.deadline == old
    assert req.state == ExtensionRequest.State.REFUSED


def test_closed_on_time_against_extended_deadline(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    clock.set(D(2026, 9, 21))
    late = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="late", sla_days=1)
    extended = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="ext",
                                     sla_days=1)
    req = actions.request_extension(acting_user=None, case=extended, until=D(2026, 9, 29), reason="r")
    actions.decide_extension(acting_user=None, request=req, approve=True)
    extended.refresh_from_db()
    clock.set(D(2026, 9, 24))  # after the first deadline (09-22), before the extended one
    for case in (late, extended):
        actions.handle_case(acting_user=None, case=case, reply="done")
    clock.set(D(2026, 10, 9))  # staff close later: the unit's handling day counts
    for case in (late, extended):
        actions.close_case(acting_user=None, case=case)
    assert late.closed_on_time is False
    assert extended.closed_on_time is True


def test_handle_needs_reply(tree: Any, notices: Any, clock: Any) -> None:
    case = case_in(S.ACCEPTED, tree.community_a1)
    with pytest.raises(InvalidInput):
        actions.handle_case(acting_user=None, case=case, reply="")
    assert Case.objects.get(pk=case.pk).state == S.ACCEPTED


def test_verify_failed_needs_reason(tree: Any, notices: Any, clock: Any) -> None:
    case = case_in(S.HANDLED, tree.community_a1)
    with pytest.raises(InvalidInput):
        actions.verify_case(acting_user=None, case=case, passed=False)


def test_rating(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    general = case_in(S.HANDLED, tree.community_a1, kind="general")
    with pytest.raises(InvalidTransition):
        actions.rate_case(acting_user=None, case=general, rating="satisfied")
    case = case_in(S.CLOSED, tree.community_a1)
    with pytest.raises(InvalidInput):
        actions.rate_case(acting_user=None, case=case, rating="great")
    with pytest.raises(NotPermitted):
        actions.rate_case(acting_user=people.liaison_a1, case=case, rating="satisfied")
    actions.rate_case(acting_user=None, case=case, rating="unsatisfied", comment="还是不亮")
    assert (case.state, case.satisfaction) == (S.CLOSED, "unsatisfied")  # does not reopen by itself
    with pytest.raises(InvalidTransition):
        actions.rate_case(acting_user=None, case=case, rating="satisfied")
    actions.reopen_case(acting_user=None, case=case, reason="群众不满意")
    assert (case.satisfaction, case.reopen_count, case.closed_on_time) == (None, 1, None)


def test_reopen_gets_fresh_deadline(tree: Any, notices: Any, clock: Any) -> None:
    case = case_in(S.CLOSED, tree.community_a1, kind="general")
    clock.set(D(2026, 9, 30))
    actions.reopen_case(acting_user=None, case=case, reason="复发")
    assert case.deadline == D(2026, 10, 13)  # 5 working days: 10-08, 09, 10 (调休), 12, 13
    assert case.state == S.REOPENED


def test_stale_instance_is_refused(tree: Any, notices: Any, clock: Any) -> None:
    from taizhang.core.errors import StaleObjectError

    case = case_in(S.DISPATCHED, tree.community_a1)
    other = Case.objects.get(pk=case.pk)
    actions.accept_case(acting_user=None, case=other)
    with pytest.raises(StaleObjectError):
        actions.send_back_case(acting_user=None, case=case, reason="r")


def test_escalation_with_fixed_clock(tree: Any, people: Any, notices: Any, clock: Any) -> None:
    assert EscalationRule.objects.count() == 2  # the defaults from the data migration
    clock.set(D(2026, 9, 21))
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="x", sla_days=2)
    done = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a2, title="y", sla_days=2)
    actions.handle_case(acting_user=None, case=done, reply="ok")
    assert case.deadline == D(2026, 9, 23)

    def sweep(day: D) -> int:
        clock.set(day)
        return actions.escalate_overdue(now=clock.now)

    assert sweep(D(2026, 9, 23)) == 0  # due today: not overdue
    assert sweep(D(2026, 9, 24)) == 1  # overdue: level 1
    case.refresh_from_db()
    assert case.escalation_level == 1
    assert ("SA1", "case.overdue", "leaders") in notices.unit
    assert ("SA1", "case.overdue", "edit_records") in notices.unit
    assert sweep(D(2026, 9, 24)) == 0  # idempotent
    assert sweep(D(2026, 9, 28)) == 0  # 2 working days overdue (09-25/26/27 Mid-autumn): not yet level 2
    assert sweep(D(2026, 9, 29)) == 1  # 3 working days overdue: level 2, the department
    assert ("SA1", "case.overdue", "工单逾期（2级督办）：x") in notices.staff
    assert sweep(D(2026, 10, 20)) == 0
    case.refresh_from_db()
    assert case.escalation_level == 2
    assert CaseEvent.objects.filter(case=case, kind="escalate").count() == 2
    assert Case.objects.get(pk=done.pk).escalation_level == 0


def test_escalation_jumps_levels_and_kind_rules(tree: Any, notices: Any, clock: Any) -> None:
    EscalationRule.objects.create(kind="test_citizen", after_working_days=1, level=1)
    clock.set(D(2026, 11, 2))
    general = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="g", sla_days=1)
    citizen = actions.dispatch_case(acting_user=None, kind="test_citizen", unit=tree.community_a1, title="c",
                                    sla_days=1)
    clock.set(D(2026, 11, 4))  # one working day overdue
    actions.escalate_overdue(now=clock.now)
    assert Case.objects.get(pk=general.pk).escalation_level == 1
    assert Case.objects.get(pk=citizen.pk).escalation_level == 1
    clock.set(D(2026, 11, 20))  # long overdue: general jumps to 2, the kind's own rules stop at 1
    actions.escalate_overdue(now=clock.now)
    assert Case.objects.get(pk=general.pk).escalation_level == 2
    assert Case.objects.get(pk=citizen.pk).escalation_level == 1


def test_for_subject(tree: Any, notices: Any, clock: Any) -> None:
    subject = tree.bureau  # any saved model can be a subject
    case = actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="x", subject=subject)
    actions.dispatch_case(acting_user=None, kind="general", unit=tree.community_a1, title="y")
    assert list(Case.objects.for_subject(subject)) == [case]
    assert case.subject == subject
