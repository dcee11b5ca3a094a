"""``{% load tz_cases %}{% case_viewer case as viewer %}``: what the case panel offers the user viewing the page.
``viewer.can_act`` when `actions.available_actions` gives the user at least one action on the case now (the panel
then offers "打开工单办理"); otherwise ``viewer.waiting`` says who acts now (`actions.waiting_on`)."""

from __future__ import annotations

from typing import Any

from django import template

from taizhang.cases import actions
from taizhang.cases.models import Case

register = template.Library()


@register.simple_tag(takes_context=True)
def case_viewer(context: Any, case: Case) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    can_act = bool(getattr(user, "is_authenticated", False) and actions.available_actions(user, case))
    return {"can_act": can_act, "waiting": "" if can_act else actions.waiting_on(case)}
