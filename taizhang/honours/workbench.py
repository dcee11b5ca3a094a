"""The role-model panel of the staff workbench: objections to a public notice waiting for an answer, and
qualification sign-offs waiting for the user's sector (or the organiser), candidates waiting for the juror's score."""

from __future__ import annotations

from typing import Any

from taizhang.core.workbench import WorkbenchPanel, register
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap


def waiting(user: Any) -> dict[str, Any] | None:
    from .actions import jury_waiting, signoffs_waiting
    from .models import Objection

    unscored = sum(1 for _c, _n, mine in jury_waiting(user) if mine is None)
    if not (has_cap(user, Cap.MANAGE_WORK) or has_cap(user, Cap.REVIEW_RECORDS)):
        return {"objections": 0, "signoffs": 0, "unscored": unscored} if unscored else None
    objections = (Objection.objects.restrict(user, Cap.MANAGE_WORK)
                  .filter(state__in=[Objection.State.RECEIVED, Objection.State.INVESTIGATING]).count())
    signoffs = len(signoffs_waiting(user))
    if not objections and not signoffs and not unscored:
        return None
    return {"objections": objections, "signoffs": signoffs, "unscored": unscored}


register(WorkbenchPanel("honours.waiting", "先进典型待办", "honours/_wb_waiting.html", context=waiting, order=40))
