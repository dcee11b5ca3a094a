"""What the civility views share: period and scope from the query string, error text, scoped lookups."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest
from django.utils import timezone

from taizhang.civility.periods import parse_spec
from taizhang.core.errors import InvalidInput, TaizhangError
from taizhang.core.numbers import refused_ids_notice, split_ids
from taizhang.core.periods import Period
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import home_unit, unit_ids_for


def error_text(exc: TaizhangError) -> str:
    if isinstance(exc, InvalidInput):
        details = [m for ms in exc.errors.values() for m in ms]
        if details and details != [exc.message]:
            return exc.message + "：" + "；".join(details[:20]) + ("……" if len(details) > 20 else "")
    return exc.message


def fail(request: HttpRequest, exc: TaizhangError) -> None:
    messages.error(request, error_text(exc))


def current_period(request: HttpRequest) -> Period:
    from taizhang.core.widgets import period_value

    try:
        spec = period_value(request.GET).strip()  # the shared period picker, or ?period=… from a link (weeks too)
    except (InvalidInput, ValueError):
        spec = ""
        messages.warning(request, "无法识别所选的期间，已显示本月")
    if spec:
        try:
            return parse_spec(spec)
        except (InvalidInput, ValueError):
            messages.warning(request, f"无法识别的期间“{spec[:40]}”，已显示本月")
    today = timezone.localdate()
    return parse_spec(f"{today.year}-{today.month:02d}")


def visible_units(user: Any, cap: str = Cap.VIEW) -> Any:
    return Unit.objects.filter(pk__in=unit_ids_for(user, cap), is_active=True).order_by("path")


def scope_unit(request: HttpRequest) -> Unit | None:
    """The unit chosen with ?unit=CODE if visible, else the user's home unit."""
    code = (request.GET.get("unit") or "").strip()
    ids = unit_ids_for(request.user, Cap.VIEW)
    if code:
        unit = Unit.objects.filter(code=code, pk__in=ids).first()
        if unit is not None:
            return unit
    return home_unit(request.user)


def ids_param(request: HttpRequest) -> list[int] | None:
    """?ids=1,2,3 (a figure's rows): the ids within 1..2147483647, at most 2000. Other parts match no row and are
    dropped with a notice (a list of only those is empty, never everything, never a database error)."""
    raw = (request.GET.get("ids") or "").strip()
    if not raw:
        return None
    ids, refused = split_ids(raw, limit=2000)
    if refused:
        messages.warning(request, refused_ids_notice(refused))
    return ids
