"""What the monitoring views share: who sees which incidents, and turning action errors into form errors."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase

from taizhang.core.permissions import cap_required, forbidden
from taizhang.monitor.actions import manages_monitoring
from taizhang.monitor.models import Incident
from taizhang.org.roles import Cap

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


def manager_required(view: V) -> V:
    """Monitoring configuration and the department-wide pages: login, then ``manage_work`` over a top-level unit
    (``actions.manages_monitoring``), not anywhere — a sub-unit's staff get 403."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and not manages_monitoring(request.user):
            return forbidden(request, "您没有管理舆情监测的权限。")
        return view(request, *args, **kwargs)

    return cast(V, cap_required(Cap.MANAGE_WORK)(wrapper))


def visible_incidents(user: Any) -> QuerySet[Incident]:
    """The department's monitoring staff see every incident; a unit's users see the incidents assigned to their
    subtree (``visible_to``)."""
    if manages_monitoring(user):
        return Incident.objects.all()
    return Incident.objects.visible_to(user, Cap.VIEW)


def get_incident(user: Any, pk: int) -> Incident:
    incident = visible_incidents(user).select_related("assigned_unit").filter(pk=pk).first()
    if incident is None:
        raise Http404("未找到该事件，或您无权查看。")
    return incident


DAY_MIN, DAY_MAX = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)


def day_filter(request: HttpRequest, name: str = "day") -> tuple[datetime.date | None, str]:
    """The list's `day` filter (YYYY-MM-DD, e.g. from a brief's figure page; another parameter by `name`): (the
    day, "") or (None, a Chinese error) for a value that is not a date; no such parameter gives (None, "")."""
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None, ""
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        return None, f"日期“{raw[:20]}”无效，请按“年-月-日”填写，例如 2026-01-05；已显示全部日期。"
    if not DAY_MIN <= day <= DAY_MAX:
        return None, f"日期须在{DAY_MIN.year}年至{DAY_MAX.year}年之间；已显示全部日期。"
    return day, ""
