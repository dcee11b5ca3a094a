"""Recomputing an assessment or target figure from its provenance (for `taizhang check-report`).

Sources this module understands (written by targets.bulletin):

    {"kind": "assessment", "scheme": KEY, "version": N, "unit": CODE, "period": {"start", "end", "spec"?},
     "field": "score" | "rank" | "item" | "items", "item": KEY, "items": [KEY, …], "value": "…", "records": […]}
    {"kind": "target", "target": KEY, "year": YYYY, "unit": CODE, "period": {"start", "end"},
     "field": "actual" | "completion" | "expected" | "allocation", "value": "…", "records": […]}

`recompute_figure` scores again from the ledger with the same scheme version and period (not the frozen result),
so a bulletin whose records changed after publishing is reported as no longer matching. It returns None when the
source is not one of these or names something that no longer exists.
"""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Q

from taizhang.core.errors import TaizhangError
from taizhang.core.periods import Period, parse_period
from taizhang.ledger.models import Record, RecordFigure
from taizhang.org.models import Unit
from taizhang.targets import progress, scoring
from taizhang.targets.models import Adjustment, Allocation, SchemeVersion, Target

_cache: dict[tuple[int, datetime.date, datetime.date], tuple[tuple[Any, ...], scoring.Assessment]] = {}
_lock = threading.Lock()
CACHE_SIZE = 16


def _period(source: dict[str, Any]) -> Period | None:
    raw = source.get("period") or {}
    if isinstance(raw, str):
        raw = {"spec": raw}
    spec = raw.get("spec")
    try:
        if spec:
            period = parse_period(str(spec))
            if not raw.get("start") or period.start.isoformat() == raw.get("start"):
                return period
        start = datetime.date.fromisoformat(str(raw["start"]))
        end = datetime.date.fromisoformat(str(raw["end"]))
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")
    except (KeyError, ValueError, TaizhangError):
        return None


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


def _signature(version: SchemeVersion) -> tuple[Any, ...]:
    """What an assessment depends on, cheaply: if none of it moved, the cached assessment is still right."""
    records = Record.objects.aggregate(m=Max("updated_at"), n=Count("id"))
    figures = RecordFigure.objects.aggregate(n=Count("id", filter=Q(effective=True)), m=Max("id"))
    allocations = Allocation.objects.aggregate(m=Max("updated_at"), n=Count("id"))
    return (
        records["m"], records["n"], figures["n"], figures["m"], Adjustment.objects.aggregate(m=Max("updated_at"))["m"],
        allocations["m"], allocations["n"], Target.objects.aggregate(m=Max("updated_at"))["m"],
        Unit.objects.aggregate(m=Max("updated_at"))["m"], version.updated_at,
    )


def assessment_for(version: SchemeVersion, period: Period) -> scoring.Assessment:
    key = (version.pk, period.start, period.end)
    signature = _signature(version)
    with _lock:
        hit = _cache.get(key)
        if hit is not None and hit[0] == signature:
            return hit[1]
    result = scoring.assess(version, period)
    with _lock:
        if len(_cache) >= CACHE_SIZE:
            _cache.pop(next(iter(_cache)))
        _cache[key] = (signature, result)
    return result


def _assessment_value(source: dict[str, Any]) -> Decimal | None:
    version = SchemeVersion.objects.select_related("scheme", "scheme__owner", "peer_parent").filter(
        scheme__key=str(source.get("scheme") or ""), number=_int(source.get("version"))).first()
    period = _period(source)
    if version is None or period is None:
        return None
    unit = assessment_for(version, period).for_unit(str(source.get("unit") or ""))
    if unit is None:
        return None
    field = source.get("field") or "score"
    if field == "score":
        return unit.score
    if field == "rank":
        return Decimal(unit.rank)
    if field in ("item", "items"):
        keys = [source["item"]] if field == "item" and source.get("item") else list(source.get("items") or [])
        found = [unit.item(k) for k in keys]
        if not keys or any(f is None for f in found):
            return None
        return sum((f.points for f in found if f is not None), Decimal(0))
    return None


def _target_value(source: dict[str, Any]) -> Decimal | None:
    target = Target.objects.select_related("metric", "owner", "activity_type").filter(
        key=str(source.get("target") or ""), year=_int(source.get("year"))).first()
    unit = Unit.objects.filter(code=source.get("unit") or "").first()
    period = _period(source)
    if target is None or unit is None or period is None:
        return None
    field = source.get("field") or "actual"
    if field == "expected":
        return progress.expected_percent(target, period.end)
    if field == "allocation":
        if unit.pk == target.owner_id:
            return target.value
        return Allocation.objects.filter(target=target, unit=unit).values_list("value", flat=True).first()
    value = progress.actual(target, period, unit).value
    if field == "actual":
        return value
    if field == "completion":
        if unit.pk == target.owner_id:
            whole: Decimal | None = target.value
        else:
            whole = Allocation.objects.filter(target=target, unit=unit).values_list("value", flat=True).first()
        return progress.percent(value, whole) if whole else None
    return None


def recompute_figure(source: dict[str, Any]) -> Decimal | None:
    """The figure's value computed afresh from its source; None when the source is not an assessment or target
    figure, or what it names does not exist."""
    if not isinstance(source, dict):
        return None
    kind = source.get("kind")
    if kind == "assessment":
        return _assessment_value(source)
    if kind == "target":
        return _target_value(source)
    return None
