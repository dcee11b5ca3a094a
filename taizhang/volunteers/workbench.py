"""Workbench (工作台) panel: manual hours waiting for a second approver and open disputes in the user's units."""

from __future__ import annotations

from typing import Any

from taizhang.core.workbench import WorkbenchPanel, register
from taizhang.org.roles import Cap
from taizhang.org.scoping import unit_ids_for
from taizhang.volunteers.models import Dispute, HourRecord


def pending_context(user: Any) -> dict[str, Any] | None:
    units = unit_ids_for(user, Cap.EDIT_RECORDS)
    if not units:
        return None
    manual = (HourRecord.objects.filter(unit_id__in=units, source=HourRecord.Source.MANUAL,
                                        status=HourRecord.Status.PENDING).exclude(approver=user).count())
    disputes = Dispute.objects.filter(hour_record__unit_id__in=units, state=Dispute.State.OPEN).count()
    if not manual and not disputes:
        return None
    return {"manual": manual, "disputes": disputes}


def register_panels() -> None:
    register(WorkbenchPanel("volunteers.pending", "志愿服务待办", "volunteers/_wb_pending.html",
                            context=pending_context, order=60))
