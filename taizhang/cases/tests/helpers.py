"""Build cases in any state through the real actions."""

from __future__ import annotations

from typing import Any

from taizhang.cases import actions
from taizhang.cases.models import Case
from taizhang.cases.registry import CaseKind, register_kind

S = Case.State
HOOK_CALLS: list[tuple[int, str, str]] = []


def _hook(case: Case, old: str, new: str) -> None:
    HOOK_CALLS.append((case.pk, old, new))


CITIZEN_KIND = register_kind(CaseKind(key="test_citizen", name="测试随手拍", sla_working_days=3, has_citizen=True,
                                      on_state_change=_hook))


def case_in(state: str, unit: Any, *, kind: str = "test_citizen", title: str = "路灯不亮") -> Case:
    if state == S.NEW:
        return actions.create_case(acting_user=None, kind=kind, unit=unit, title=title)
    case = actions.dispatch_case(acting_user=None, kind=kind, unit=unit, title=title, description="东一路口")
    if state == S.DISPATCHED:
        return case
    if state == S.ACCEPTED:
        return actions.accept_case(acting_user=None, case=case)
    if state == S.SENT_BACK:
        return actions.send_back_case(acting_user=None, case=case, reason="不属于本单位职责")
    if state == S.CANCELLED:
        return actions.cancel_case(acting_user=None, case=case, reason="重复工单")
    actions.handle_case(acting_user=None, case=case, reply="已更换灯泡")
    if state == S.HANDLED:
        return case
    if state == S.VERIFIED:
        return actions.verify_case(acting_user=None, case=case, passed=True, close=False)
    actions.close_case(acting_user=None, case=case)
    if state == S.CLOSED:
        return case
    assert state == S.REOPENED
    return actions.reopen_case(acting_user=None, case=case, reason="群众反映仍未修好")
