"""Background work of the case loop: the overdue escalation sweep, every 10 minutes."""

from __future__ import annotations

from typing import Any

from taizhang.core.jobs import periodic
from taizhang.core.models import Job


@periodic("cases.escalate", minutes=10)
def escalate(job: Job) -> dict[str, Any]:
    from taizhang.cases.escalation import escalate_overdue

    return {"escalated": escalate_overdue()}
