"""The case loop's workbench panels: a unit's cases with their deadlines (overdue in red) for the people who handle
them; for staff, what waits for them (dispatch, verification, arbitration, extensions) and overdue cases by unit."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from taizhang.cases.models import Case, ExtensionRequest
from taizhang.core.workbench import WorkbenchPanel, register
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap

S = Case.State


def unit_cases(user: Any) -> dict[str, Any] | None:
    if not has_cap(user, Cap.EDIT_RECORDS):
        return None
    today = timezone.localdate()
    qs = Case.objects.visible_to(user, Cap.EDIT_RECORDS).filter(state__in=[*Case.RUNNING_STATES])
    cases = list(qs.select_related("unit").order_by("deadline", "id")[:8])
    if not cases:
        return None
    for case in cases:
        case.is_late = case.is_overdue(today)  # type: ignore[attr-defined]
    from taizhang.cases.views import open_count

    # the link opens /cases/, whose default is the user's open cases: say how many it shows
    return {"cases": cases, "total": open_count(user)}


def staff_cases(user: Any) -> dict[str, Any] | None:
    if not has_cap(user, Cap.MANAGE_WORK):
        return None
    today = timezone.localdate()
    qs = Case.objects.visible_to(user, Cap.MANAGE_WORK)
    counts = qs.aggregate(
        new=Count("id", filter=Q(state=S.NEW)), handled=Count("id", filter=Q(state=S.HANDLED)),
        sent_back=Count("id", filter=Q(state=S.SENT_BACK)),
        overdue=Count("id", filter=Q(state__in=Case.RUNNING_STATES, deadline__lt=today)),
    )
    counts["extensions"] = ExtensionRequest.objects.visible_to(user, Cap.MANAGE_WORK).filter(
        state=ExtensionRequest.State.PENDING).count()
    by_unit = list(
        qs.filter(state__in=Case.RUNNING_STATES, deadline__lt=today).values("unit__name")
        .annotate(n=Count("id")).order_by("-n", "unit__name")[:5]
    )
    if not any(counts.values()):
        return None
    return {"counts": counts, "by_unit": by_unit}


register(WorkbenchPanel("cases.unit", "本单位工单", "cases/workbench/_unit.html", context=unit_cases, order=15))
register(WorkbenchPanel("cases.staff", "工单待办", "cases/workbench/_staff.html", context=staff_cases, order=12))
