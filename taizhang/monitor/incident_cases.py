"""Monitoring on the case loop: an incident's assignment is a case (工单) of kind "incident".

Assigning dispatches a case to the responsible unit with a deadline in working days; the unit's public response is
recorded as a monitor `Response` and handles the case (its text becomes the case's public reply); overdue cases are
escalated by the cases sweep; closing or reopening the incident closes, cancels or reopens its case. The incident's
`status` and `assigned_unit` follow the case through `on_state_change`, so lists, scoping and briefs read them as
before.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from taizhang.cases import actions as cases
from taizhang.cases.models import Case
from taizhang.cases.registry import CaseKind, register_kind
from taizhang.core.errors import InvalidInput, InvalidTransition, StaleObjectError
from taizhang.monitor.models import Incident
from taizhang.org.models import Unit

KIND = "incident"
S = Incident.Status
CS = Case.State


def _sla_days() -> int:
    from taizhang.monitor import conf

    hours = conf.get_int("TAIZHANG_MONITOR_RESPONSE_HOURS")
    return max(1, math.ceil(hours / 24))


def _status_for(case: Case) -> tuple[str, int | None] | None:
    """The incident status and responsible unit a case state implies (None: leave the incident alone)."""
    if case.state in (CS.DISPATCHED, CS.ACCEPTED, CS.REOPENED, CS.SENT_BACK):
        return S.ASSIGNED, case.unit_id
    if case.state in (CS.HANDLED, CS.VERIFIED):
        return S.RESPONDED, case.unit_id
    if case.state == CS.CLOSED:
        return S.CLOSED, case.unit_id
    if case.state == CS.NEW:  # a send-back upheld: waiting for re-dispatch
        return S.NEW, None
    return None  # cancelled: the caller (reassignment, closing the incident) decides


def on_state_change(case: Case, old: str, new: str) -> None:
    if case.object_id is None:
        return
    target = _status_for(case)
    if target is None:
        return
    status, unit_id = target
    incident = Incident.objects.filter(pk=case.object_id).first()
    if incident is None or (incident.status == S.CLOSED and status != S.ASSIGNED):
        return
    if incident.status == status and incident.assigned_unit_id == unit_id:
        return
    values: dict[str, Any] = {"status": status, "assigned_unit_id": unit_id, "updated_at": timezone.now(),
                              "version": F("version") + 1}
    if status == S.CLOSED:
        values["closed_at"] = timezone.now()
    elif incident.status == S.CLOSED:
        values["closed_at"] = None
    Incident.objects.filter(pk=incident.pk).update(**values)


def on_escalate(case: Case, level: int) -> None:
    """An overdue incident case also raises monitoring's 逾期 alert (once per deadline) for the alert channels."""
    from taizhang.monitor.alerts import raise_alert
    from taizhang.monitor.models import Alert

    if level != 1 or case.object_id is None:
        return
    incident = Incident.objects.filter(pk=case.object_id).first()
    if incident is None:
        return
    grade = "major" if incident.grade == "general" else incident.grade
    raise_alert(
        kind=Alert.Kind.OVERDUE, dedupe_key=f"overdue:{incident.pk}:{case.pk}:{case.deadline:%Y%m%d}",
        incident=incident, grade=grade, title=f"{incident.label}：{case.unit.name}逾期未回应",
        body=f"回应期限{case.deadline.month}月{case.deadline.day}日已过，请督促{case.unit.name}尽快公开回应。"
        if case.deadline else f"请督促{case.unit.name}尽快公开回应。",
    )


def register() -> None:
    register_kind(CaseKind(
        key=KIND, name="舆情事件", sla_working_days=_sla_days(),
        subject_url=lambda obj: reverse("monitor:incident_detail", args=[obj.pk]),
        on_state_change=on_state_change, on_escalate=on_escalate,
        description="交办责任单位公开回应的网络舆情事件",
    ))


def current_case(incident: Incident) -> Case | None:
    """The newest case of the incident that was not cancelled."""
    return Case.objects.for_subject(incident).exclude(state=CS.CANCELLED).select_related("unit").first()


def open_case(incident: Incident) -> Case | None:
    return Case.objects.for_subject(incident).filter(state__in=Case.OPEN_STATES).select_related("unit").first()


def _as_date(deadline: datetime.date | datetime.datetime | None) -> datetime.date | None:
    if isinstance(deadline, datetime.datetime):
        return timezone.localtime(deadline).date() if timezone.is_aware(deadline) else deadline.date()
    return deadline


@transaction.atomic
def assign_incident(
    *, acting_user: Any, incident: Incident, expected_version: int, unit: Unit,
    deadline: datetime.date | datetime.datetime | None = None, note: str = "",
) -> Incident:
    """Hand the incident to the responsible unit: a case dispatched with a deadline in working days. Assigning it
    to another unit cancels the open case (with the reason) and dispatches a new one."""
    from taizhang.monitor.actions import require_manage

    require_manage(acting_user, "您没有交办舆情事件的权限。")
    if incident.status == S.CLOSED:
        raise InvalidTransition("已办结的事件不能交办，请先重新打开。")
    if incident.version != expected_version:
        from taizhang.core.concurrency import STALE_MESSAGE

        raise StaleObjectError(STALE_MESSAGE)
    if unit is None:
        raise InvalidInput("请选择责任单位", {"unit": ["请选择责任单位"]})
    day = _as_date(deadline)
    if day is not None and day < timezone.localdate():
        raise InvalidInput("回应期限不能早于今天", {"deadline": ["回应期限不能早于今天"]})
    case = open_case(incident)
    title = f"舆情事件：{incident.label}"[:200]
    if case is not None and case.state == CS.NEW:
        cases.redispatch_case(acting_user=acting_user, case=case, unit=unit, deadline=day, note=note)
    else:
        if case is not None:
            if case.unit_id == unit.pk:
                raise InvalidTransition(f"该事件已交办{unit.name}。")
            cases.cancel_case(acting_user=acting_user, case=case, reason=f"改派{unit.name}")
        cases.dispatch_case(acting_user=acting_user, kind=KIND, unit=unit, title=title, description=note.strip(),
                            subject=incident, deadline=day)
    incident.refresh_from_db()
    return incident


def can_respond(user: Any, incident: Incident) -> bool:
    from taizhang.monitor.actions import manages_monitoring

    if user is None or manages_monitoring(user):
        return True
    case = current_case(incident)
    return case is not None and cases.can_work(user, case)


def handle_with_response(*, acting_user: Any, incident: Incident, text: str, where: str) -> Case | None:
    """The public response handles the incident's open case (the response's text is the public reply). A staff
    member recording it for the unit acts for the system on the case (the monitor audit row names them)."""
    case = open_case(incident)
    if case is None or case.state not in (CS.DISPATCHED, CS.ACCEPTED, CS.REOPENED):
        return case
    actor = acting_user if acting_user is not None and cases.can_work(acting_user, case) else None
    return cases.handle_case(acting_user=actor, case=case, reply=f"已在{where}公开回应", public_reply=text)


def on_incident_closed(*, acting_user: Any, incident: Incident, note: str = "") -> None:
    case = open_case(incident)
    if case is None:
        return
    actor = acting_user if acting_user is not None and cases.can_manage(acting_user, case) else None
    if case.state in (CS.HANDLED, CS.VERIFIED):
        cases.close_case(acting_user=actor, case=case, reason=note or "事件办结")
    else:
        cases.cancel_case(acting_user=actor, case=case, reason=note or "事件已办结")


def on_incident_reopened(*, acting_user: Any, incident: Incident) -> None:
    case = current_case(incident)
    if case is not None and case.state == CS.CLOSED:
        actor = acting_user if acting_user is not None and cases.can_manage(acting_user, case) else None
        cases.reopen_case(acting_user=actor, case=case, reason="事件重新打开")
