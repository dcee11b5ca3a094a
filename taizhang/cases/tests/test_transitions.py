"""Every transition from every state: allowed ones move the case, the others are refused with InvalidTransition."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest

from taizhang.cases import actions
from taizhang.cases.models import Case, CaseEvent, ExtensionRequest
from taizhang.cases.tests.helpers import HOOK_CALLS, case_in
from taizhang.core.errors import InvalidTransition
from taizhang.core.models import AuditEntry

S = Case.State
ALL = list(S.values)


def _until(case: Case) -> datetime.date:
    return (case.deadline or datetime.date(2026, 9, 21)) + datetime.timedelta(days=7)


# action name → (states it is allowed from, the call, the state it leads to from each allowed state or None)
TRANSITIONS: dict[str, tuple[set[str], Callable[[Case, Any], Any], dict[str, str]]] = {
    "dispatch": ({S.NEW}, lambda c, t: actions.redispatch_case(acting_user=None, case=c, unit=t.community_a2),
                 {S.NEW: S.DISPATCHED}),
    "accept": ({S.DISPATCHED}, lambda c, t: actions.accept_case(acting_user=None, case=c),
               {S.DISPATCHED: S.ACCEPTED}),
    "send_back": ({S.DISPATCHED, S.ACCEPTED},
                  lambda c, t: actions.send_back_case(acting_user=None, case=c, reason="非本单位职责"),
                  {S.DISPATCHED: S.SENT_BACK, S.ACCEPTED: S.SENT_BACK}),
    "arbitrate": ({S.SENT_BACK},
                  lambda c, t: actions.arbitrate_send_back(acting_user=None, case=c, uphold=False, reason="属地管理"),
                  {S.SENT_BACK: S.DISPATCHED}),
    "extension": ({S.DISPATCHED, S.ACCEPTED, S.REOPENED},
                  lambda c, t: actions.request_extension(acting_user=None, case=c, until=_until(c), reason="需采购"),
                  {S.DISPATCHED: S.DISPATCHED, S.ACCEPTED: S.ACCEPTED, S.REOPENED: S.REOPENED}),
    "handle": ({S.DISPATCHED, S.ACCEPTED, S.REOPENED},
               lambda c, t: actions.handle_case(acting_user=None, case=c, reply="已修复"),
               {S.DISPATCHED: S.HANDLED, S.ACCEPTED: S.HANDLED, S.REOPENED: S.HANDLED}),
    "verify": ({S.HANDLED}, lambda c, t: actions.verify_case(acting_user=None, case=c, passed=True),
               {S.HANDLED: S.CLOSED}),
    "verify_failed": ({S.HANDLED},
                      lambda c, t: actions.verify_case(acting_user=None, case=c, passed=False, reason="照片不清"),
                      {S.HANDLED: S.ACCEPTED}),
    "close": ({S.HANDLED, S.VERIFIED}, lambda c, t: actions.close_case(acting_user=None, case=c),
              {S.HANDLED: S.CLOSED, S.VERIFIED: S.CLOSED}),
    "reopen": ({S.HANDLED, S.VERIFIED, S.CLOSED},
               lambda c, t: actions.reopen_case(acting_user=None, case=c, reason="问题复发"),
               {S.HANDLED: S.REOPENED, S.VERIFIED: S.REOPENED, S.CLOSED: S.REOPENED}),
    "cancel": (set(Case.OPEN_STATES), lambda c, t: actions.cancel_case(acting_user=None, case=c, reason="重复"),
               dict.fromkeys(Case.OPEN_STATES, S.CANCELLED)),
    "rate": ({S.HANDLED, S.VERIFIED, S.CLOSED},
             lambda c, t: actions.rate_case(acting_user=None, case=c, rating="satisfied"),
             {S.HANDLED: S.HANDLED, S.VERIFIED: S.VERIFIED, S.CLOSED: S.CLOSED}),
}

CASES = [(name, state) for name in TRANSITIONS for state in ALL]


@pytest.mark.parametrize(("name", "state"), CASES, ids=[f"{n}-from-{s}" for n, s in CASES])
def test_transition_matrix(name: str, state: str, tree: Any, notices: Any, clock: Any) -> None:
    allowed, call, leads_to = TRANSITIONS[name]
    case = case_in(state, tree.community_a1)
    assert case.state == state
    events_before = CaseEvent.objects.filter(case=case).count()
    audits_before = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).count()
    if state in allowed:
        call(case, tree)
        case.refresh_from_db()
        assert case.state == leads_to[state]
        assert CaseEvent.objects.filter(case=case).count() > events_before
        assert AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() > audits_before
    else:
        with pytest.raises(InvalidTransition) as exc:
            call(case, tree)
        assert "不能" in exc.value.message or "已" in exc.value.message
        case.refresh_from_db()
        assert case.state == state
        assert CaseEvent.objects.filter(case=case).count() == events_before


def test_hook_called_on_state_change(tree: Any, notices: Any, clock: Any) -> None:
    HOOK_CALLS.clear()
    case = case_in(S.ACCEPTED, tree.community_a1)
    assert (case.pk, S.NEW, S.DISPATCHED) in HOOK_CALLS
    assert (case.pk, S.DISPATCHED, S.ACCEPTED) in HOOK_CALLS


def test_dispatch_notifies_unit_and_handled_notifies_staff(tree: Any, notices: Any, clock: Any) -> None:
    case = case_in(S.DISPATCHED, tree.community_a1)
    assert ("SA1", "case.dispatched", "edit_records") in notices.unit
    actions.handle_case(acting_user=None, case=case, reply="已处理")
    assert [e for _u, e, _t in notices.staff] == ["case.handled"]


def test_decide_extension_only_once(tree: Any, notices: Any, clock: Any) -> None:
    case = case_in(S.ACCEPTED, tree.community_a1)
    req = actions.request_extension(acting_user=None, case=case, until=_until(case), reason="需采购")
    actions.decide_extension(acting_user=None, request=req, approve=True)
    with pytest.raises(InvalidTransition):
        actions.decide_extension(acting_user=None, request=req, approve=False, reason="x")
    assert ExtensionRequest.objects.get(pk=req.pk).state == ExtensionRequest.State.APPROVED
