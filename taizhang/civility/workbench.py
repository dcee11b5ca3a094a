"""The inspector's workbench panel (测评待办): the current round's sites not yet inspected by the user, and the
problems waiting for a re-check that the user may do."""

from __future__ import annotations

from typing import Any

from taizhang.civility.actions.problems import reinspectable
from taizhang.civility.todo import current_round, inspects, round_sites, todo_sites
from taizhang.core.workbench import WorkbenchPanel, register
from taizhang.org.roles import Cap
from taizhang.org.scoping import has_cap


def inspector_todos(user: Any) -> dict[str, Any] | None:
    if not has_cap(user, Cap.REVIEW_RECORDS):
        return None
    rnd = current_round(user)
    if not inspects(user, rnd):
        return None
    recheck = reinspectable(user).select_related("site").order_by("rectified_on", "id")
    recheck_list = list(recheck[:5])
    recheck_count = len(recheck_list) if len(recheck_list) < 5 else recheck.count()
    todo = total = 0
    if rnd is not None:
        total = round_sites(user, rnd).count()
        todo = todo_sites(user, rnd).count()
    if rnd is None and not recheck_count:
        return None
    return {"round": rnd, "todo": todo, "total": total, "done": total - todo, "recheck": recheck_list,
            "recheck_count": recheck_count}


register(WorkbenchPanel("civility.inspector", "测评待办", "civility/workbench/_inspector.html",
                        context=inspector_todos, order=14))
