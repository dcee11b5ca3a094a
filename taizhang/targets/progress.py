"""Progress against targets: actuals come only from `ledger.figures.compute` (with their record ids), compared with
each unit's allocation and with where it should be by now (序时进度: in proportion to the days elapsed, or by the
target's monthly plan).

One `compute` call per outlet level and per parent of the allocated units (never one per unit), so the cost of the
progress page depends on the number of targets, not on the number of units.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from taizhang.core.periods import Period
from taizhang.ledger.figures import compute
from taizhang.org.models import Unit
from taizhang.targets.models import Allocation, Target

ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)


@dataclass
class Actual:
    value: Decimal = Decimal(0)
    records: list[int] = field(default_factory=list)

    def add(self, value: Decimal, records: Iterable[int]) -> None:
        self.value += value
        self.records.extend(records)


def year_period(year: int, as_of: datetime.date | None = None) -> Period:
    """The target year up to `as_of` (the whole year when as_of is after it or None)."""
    end = datetime.date(year, 12, 31)
    if as_of is not None and as_of < end:
        end = max(as_of, datetime.date(year, 1, 1))
    spec = str(year) if end == datetime.date(year, 12, 31) else f"{year}-01-01..{end.isoformat()}"
    return Period(datetime.date(year, 1, 1), end, spec, "year" if spec == str(year) else "range")


def _filters(target: Target) -> list[dict[str, Any]]:
    atype = target.activity_type.key if target.activity_type is not None else None
    levels = list(target.outlet_levels or []) or [None]
    return [{"outlet_level": level, "activity_type": atype} for level in levels]


def actual(target: Target, period: Period, unit: Unit | None) -> Actual:
    """The target's metric over `period` for `unit` (with its subtree; None = everything)."""
    out = Actual()
    for f in _filters(target):
        result = compute(target.metric, period=period, unit=unit, **f)
        out.add(result.value, result.records)
    out.records.sort()
    return out


def actuals_by_unit(target: Target, period: Period, units: Sequence[Unit],
                    totals: dict[int, Actual] | None = None) -> dict[int, Actual]:
    """Each unit's actual (with its subtree): one by-unit breakdown per parent and outlet level. `totals`, when
    given, receives each parent's own actual (the same calls answer it)."""
    by_parent: dict[int | None, list[Unit]] = defaultdict(list)
    for u in units:
        by_parent[u.parent_id].append(u)
    out: dict[int, Actual] = {u.pk: Actual() for u in units}
    for parent_id, children in by_parent.items():
        if parent_id is None:
            for u in children:
                out[u.pk] = actual(target, period, u)
            continue
        parent = Unit.objects.get(pk=parent_id)
        codes = {u.code: u.pk for u in children}
        total = Actual()
        for f in _filters(target):
            result = compute(target.metric, period=period, unit=parent, by="unit", **f)
            total.add(result.value, result.records)
            for row in result.breakdown:
                if row.key in codes:
                    out[codes[row.key]].add(row.value, row.records)
        if totals is not None:
            total.records.sort()
            totals[parent_id] = total
    for a in out.values():
        a.records.sort()
    return out


def plan_fraction(target: Target, start: datetime.date, end: datetime.date) -> Decimal:
    """The share of the annual target planned for the days start..end of the target year (0..1)."""
    year_start, year_end = datetime.date(target.year, 1, 1), datetime.date(target.year, 12, 31)
    start, end = max(start, year_start), min(end, year_end)
    if end < start:
        return Decimal(0)
    if target.plan_kind == Target.PlanKind.MONTHLY and len(target.monthly_plan or []) == 12:
        shares = [Decimal(str(x)) for x in target.monthly_plan]
        total = sum(shares, Decimal(0)) or Decimal(1)
        fraction = Decimal(0)
        for month in range(start.month, end.month + 1):
            days = calendar.monthrange(target.year, month)[1]
            first = start.day if month == start.month else 1
            last = end.day if month == end.month else days
            fraction += shares[month - 1] / total * Decimal(last - first + 1) / Decimal(days)
        return fraction
    days_in_year = (year_end - year_start).days + 1
    return Decimal((end - start).days + 1) / Decimal(days_in_year)


def expected_percent(target: Target, as_of: datetime.date) -> Decimal:
    """序时进度: where a unit should be by `as_of`, in percent of its annual target (one decimal place)."""
    fraction = plan_fraction(target, datetime.date(target.year, 1, 1), as_of)
    return (fraction * HUNDRED).quantize(ONE_PLACE, ROUND_HALF_UP)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(ONE_PLACE, ROUND_HALF_UP)


@dataclass
class ProgressRow:
    unit: Unit
    target_value: Decimal
    actual: Actual
    completion: Decimal | None  # percent, one decimal place
    expected: Decimal  # percent
    is_total: bool = False

    @property
    def lagging(self) -> bool:
        return self.target_value > 0 and self.completion is not None and self.completion < self.expected

    @property
    def gap(self) -> Decimal:
        """How far below 序时进度 in amount (0 when on track)."""
        should = self.target_value * self.expected / HUNDRED
        return max(Decimal(0), should - self.actual.value)


@dataclass
class TargetProgress:
    target: Target
    period: Period
    as_of: datetime.date
    expected: Decimal
    total: ProgressRow | None
    rows: list[ProgressRow]

    @property
    def lagging(self) -> list[ProgressRow]:
        return sorted((r for r in self.rows if r.lagging), key=lambda r: (r.completion or Decimal(0), r.unit.code))


def cumulative(target: Target, unit: Unit, value: Decimal, as_of: datetime.date) -> tuple[
        list[str], list[Decimal | None], list[Decimal]]:
    """Month labels, the unit's cumulative actual by month (None after as_of) and its cumulative plan."""
    from taizhang.core.periods import month_periods

    period = year_period(target.year)
    monthly: dict[str, Decimal] = defaultdict(Decimal)
    for f in _filters(target):
        for row in compute(target.metric, period=period, unit=unit, by="month", **f).breakdown:
            monthly[row.key] += row.value
    labels, actual, plan = [], [], []
    running = Decimal(0)
    for month in month_periods(period):
        labels.append(f"{month.start.month}月")
        running += monthly.get(month.spec, Decimal(0))
        actual.append(running if month.start <= as_of else None)
        plan.append((value * plan_fraction(target, period.start, month.end)).quantize(
            Decimal("0.1"), ROUND_HALF_UP))
    return labels, actual, plan


def target_progress(target: Target, *, as_of: datetime.date, visible: frozenset[int] | None = None) -> TargetProgress:
    """Progress of the target's allocations (only units in `visible` when given) and, when the owner is visible,
    of the target as a whole."""
    period = year_period(target.year, as_of)
    expected = expected_percent(target, period.end)
    allocations = [a for a in Allocation.objects.filter(target=target).select_related("unit")
                   if visible is None or a.unit_id in visible]
    totals: dict[int, Actual] = {}
    actuals = actuals_by_unit(target, period, [a.unit for a in allocations], totals)
    rows = [ProgressRow(a.unit, a.value, actuals[a.unit_id], percent(actuals[a.unit_id].value, a.value), expected)
            for a in sorted(allocations, key=lambda a: (a.unit.sort_order, a.unit.code))]
    total = None
    if visible is None or target.owner_id in visible:
        act = totals.get(target.owner_id) or actual(target, period, target.owner)
        total = ProgressRow(target.owner, target.value, act, percent(act.value, target.value), expected, is_total=True)
    return TargetProgress(target, period, period.end, expected, total, rows)


def targets_for(user: Any, year: int) -> list[Target]:
    """Targets of the year the user sees: those of units in view, or allocated to a unit in view."""
    from taizhang.org.roles import Cap
    from taizhang.org.scoping import unit_ids_for

    ids = unit_ids_for(user, Cap.VIEW) if user is not None else None
    qs = Target.objects.filter(year=year).select_related("metric", "owner", "activity_type")
    if ids is None:
        return list(qs)
    allocated = set(Allocation.objects.filter(target__year=year, unit_id__in=ids).values_list("target_id", flat=True))
    return [t for t in qs if t.owner_id in ids or t.pk in allocated]
