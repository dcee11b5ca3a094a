"""Progress against targets: actuals are those of `ledger.figures.compute` (with their record ids), compared with
each unit's allocation and with where it should be by now (序时进度: in proportion to the days elapsed, or by the
target's monthly plan).

The page's cost does not depend on the number of targets or units (docs/scale.md): `progress_many` reads the
allocations of every target at once, the unit tree once and the figures of every target with a reported metric
from a few grouped queries (`ledger.figures_many`: the monthly summary, the partial months at the period's edges
and, for targets limited to an activity type, the covering index), then folds them per unit and outlet level as
`compute` does. The
record ids behind each value (`Actual.records`) are the same `LedgerQuery` as `compute`'s, run only when read (a
drill-down opened, a document pinning them). Computed metrics (providers) still ask `compute`, one by-unit breakdown
per parent and outlet level.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from taizhang.core.periods import Period, month_periods
from taizhang.ledger import figures as ledger_figures
from taizhang.ledger.figures import LedgerQuery, compute, fold_rows
from taizhang.ledger.figures_many import FigureRows, UnitScopes
from taizhang.ledger.lazy_ids import LazyIds
from taizhang.ledger.models import MetricDefinition
from taizhang.org.models import Unit
from taizhang.targets.models import Allocation, Target

ONE_PLACE = Decimal("0.1")
HUNDRED = Decimal(100)


class Actual:
    """A target's actual for one unit: the value, and the ids of the records behind it, fetched only when read
    (`records`: a drill-down, a document pinning them); `count` is known without them (docs/scale.md)."""

    def __init__(self, value: Decimal = Decimal(0), records: Iterable[int] | None = None) -> None:
        self.value = value
        self._known: list[int] = list(records or [])
        self._loaders: list[Callable[[], list[int]]] = []
        self._count = len(self._known)
        self._records: list[int] | None = None

    def __repr__(self) -> str:
        return f"Actual({self.value!r}, count={self.count})"

    def add(self, value: Decimal, records: Iterable[int] | None = None, *, count: int = 0,
            loader: Callable[[], list[int]] | None = None) -> None:
        """Add a part: its value and its ids, either listed (`records`) or `count` of them that `loader` lists."""
        self.value += value
        self._records = None
        if records is not None:
            ids = list(records)
            self._known.extend(ids)
            self._count += len(ids)
        elif count and loader is not None:
            self._loaders.append(loader)
            self._count += count

    def add_figure(self, value: Decimal, figure: LazyIds) -> None:
        """Add a `compute` result or breakdown row without reading its ids (they are read with `records`)."""
        if figure.loaded or not figure.count:
            self.add(value, figure.records if figure.loaded else [])
        else:
            self.add(value, count=figure.count, loader=lambda: figure.records)

    @property
    def records(self) -> list[int]:
        if self._records is None:
            ids = list(self._known)
            for load in self._loaders:
                ids.extend(load())
            self._records = sorted(ids)
            self._count = len(self._records)
        return self._records

    @property
    def count(self) -> int:
        """How many records are behind the value, without fetching their ids."""
        return self._count

    @property
    def loaded(self) -> bool:
        return self._records is not None or not self._loaders


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
        out.add_figure(result.value, result)
    return out


def actuals_by_unit(target: Target, period: Period, units: Sequence[Unit],
                    totals: dict[int, Actual] | None = None) -> dict[int, Actual]:
    """Each unit's actual (with its subtree). `totals`, when given, receives each parent's own actual."""
    parents = {u.parent_id for u in units if u.parent_id is not None}
    found = {p.pk: p for p in Unit.objects.filter(pk__in=parents)} if totals is not None and parents else {}
    got = actuals_many([(target, [*units, *found.values()])], period)[0]
    if totals is not None:
        totals.update({pk: got[pk] for pk in found})
    return {u.pk: got[u.pk] for u in units}


def _batched(target: Target) -> bool:
    """Reported metrics are read for every target at once (`ledger.figures_many`); computed metrics ask their
    provider per target (`compute`), as does the previous implementation (`figures.BASELINE`)."""
    return not ledger_figures.BASELINE and target.metric.source != MetricDefinition.Source.COMPUTED


def actuals_many(wanted: Sequence[tuple[Target, Sequence[Unit]]], period: Period) -> list[dict[int, Actual]]:
    """For each (target, units): every unit's actual over `period` (with its subtree; a unit without a parent: the
    whole ledger, as `compute` scopes it), the values those of `compute` per outlet level. The figures of every
    target with a reported metric come from a few grouped queries for all of them (`ledger.figures_many`) and the
    unit tree is read once, so the cost does not depend on the number of targets or units; the ids behind each value are
    `LedgerQuery(...).ids` of the same scope and filters, run when someone reads them."""
    batched = [t for t, _units in wanted if _batched(t)]
    tree = UnitScopes.read([u for t, units in wanted if _batched(t) for u in units]) if batched else None
    figures = FigureRows.read([(t.metric_id, _atype(t)) for t in batched], period, tree.unit_ids()) if tree else None
    out: list[dict[int, Actual]] = []
    for target, units in wanted:
        if figures is None or tree is None or not _batched(target):
            out.append(_computed_actuals(target, period, units))
        else:
            out.append(_batched_actuals(figures, target, units, tree))
    return out


def _computed_actuals(target: Target, period: Period, units: Sequence[Unit]) -> dict[int, Actual]:
    """Each unit's actual from `compute`: one by-unit breakdown per parent and outlet level (a parent among `units`
    gets the total of its breakdown); a unit without a parent by a `compute` of its own."""
    given = {u.pk: u for u in units}
    by_parent: dict[int, list[Unit]] = defaultdict(list)
    for u in units:
        if u.parent_id is not None:
            by_parent[u.parent_id].append(u)
    out: dict[int, Actual] = {}
    for parent_id, children in by_parent.items():
        parent = given.get(parent_id) or Unit.objects.get(pk=parent_id)
        codes = {u.code: u.pk for u in children}
        parts = {pk: Actual() for pk in codes.values()}
        total = Actual()
        for f in _filters(target):
            result = compute(target.metric, period=period, unit=parent, by="unit", **f)
            total.add_figure(result.value, result)
            for row in result.breakdown:
                if row.key in codes:
                    parts[codes[row.key]].add_figure(row.value, row)
        out.update({pk: a for pk, a in parts.items() if pk not in out})
        if parent_id in given:
            out[parent_id] = total
    for u in units:
        if u.pk not in out:
            out[u.pk] = actual(target, period, u)
    return out


def _atype(target: Target) -> str | None:
    return target.activity_type.key if target.activity_type is not None else None


def _batched_actuals(rows: FigureRows, target: Target, units: Sequence[Unit], scopes: UnitScopes) -> dict[int, Actual]:
    """Each unit's actual, as `compute` per outlet level gives it; the ids are its `LedgerQuery`'s."""
    wanted = {u.pk for u in units}
    out = {pk: Actual() for pk in wanted}
    for f in _filters(target):
        level = f["outlet_level"] or None
        groups = rows.groups(target.metric_id, _atype(target), level, wanted, scopes)
        for pk in wanted:
            value, count = fold_rows(target.metric, [r for part in groups.get(pk, {}).values() for r in part])
            q = LedgerQuery(target.metric, rows.period, scopes.scope[pk], level, _atype(target))
            out[pk].add(value, count=count, loader=q.ids if count else None)
    return out


def _batched_monthly(rows: FigureRows, target: Target, unit: Unit, scopes: UnitScopes) -> dict[str, Decimal]:
    """The unit's value by month ("2024-05"), as `compute(by="month")` per outlet level gives it, added up."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for f in _filters(target):
        groups = rows.groups(target.metric_id, _atype(target), f["outlet_level"] or None, {unit.pk}, scopes)
        for month, part in groups[unit.pk].items():
            out[month or ""] += fold_rows(target.metric, part)[0]
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
    return cumulative_many([(target, unit, value)], as_of)[0]


Cumulative = tuple[list[str], list[Decimal | None], list[Decimal]]


def cumulative_many(wanted: Sequence[tuple[Target, Unit, Decimal]], as_of: datetime.date) -> list[Cumulative]:
    """`cumulative` of many (target, unit, allocated value): the months of every target with a reported metric
    from the same few queries (`ledger.figures_many` by month over the units' subtrees), computed metrics by
    `compute`."""
    monthly: list[dict[str, Decimal] | None] = [None] * len(wanted)
    by_year: dict[int, list[int]] = defaultdict(list)
    for i, (target, _unit, _value) in enumerate(wanted):
        if _batched(target):
            by_year[target.year].append(i)
    for year, at in by_year.items():
        tree = UnitScopes.read([wanted[i][1] for i in at])
        figures = FigureRows.read([(wanted[i][0].metric_id, _atype(wanted[i][0])) for i in at], year_period(year),
                                  tree.unit_ids(), by_month=True)
        for i in at:
            monthly[i] = _batched_monthly(figures, wanted[i][0], wanted[i][1], tree)
    out = []
    for (target, unit, value), months in zip(wanted, monthly, strict=True):
        period = year_period(target.year)
        if months is None:
            months = defaultdict(Decimal)
            for f in _filters(target):
                for row in compute(target.metric, period=period, unit=unit, by="month", **f).breakdown:
                    months[row.key] += row.value
        labels, actual, plan = [], [], []
        running = Decimal(0)
        for month in month_periods(period):
            labels.append(f"{month.start.month}月")
            running += months.get(month.spec, Decimal(0))
            actual.append(running if month.start <= as_of else None)
            plan.append((value * plan_fraction(target, period.start, month.end)).quantize(
                Decimal("0.1"), ROUND_HALF_UP))
        out.append((labels, actual, plan))
    return out


def target_progress(target: Target, *, as_of: datetime.date, visible: frozenset[int] | None = None) -> TargetProgress:
    """Progress of the target's allocations (only units in `visible` when given) and, when the owner is visible,
    of the target as a whole."""
    return progress_many([target], as_of=as_of, visible=visible)[0]


def progress_many(targets: Sequence[Target], *, as_of: datetime.date,
                  visible: frozenset[int] | None = None) -> list[TargetProgress]:
    """`target_progress` of many targets from the same few queries (allocations, the unit tree and the figures of
    every target read at once, `actuals_many`): the progress page costs the same whatever the number of targets
    and units. Targets of different years are read a year at a time."""
    out: dict[int, TargetProgress] = {}
    allocated: dict[int, list[Allocation]] = defaultdict(list)
    for a in Allocation.objects.filter(target__in=[t.pk for t in targets]).select_related("unit").order_by("pk"):
        if visible is None or a.unit_id in visible:
            allocated[a.target_id].append(a)
    by_year: dict[int, list[Target]] = defaultdict(list)
    for t in targets:
        by_year[t.year].append(t)
    for year, group in by_year.items():
        period = year_period(year, as_of)
        owned = {t.pk: visible is None or t.owner_id in visible for t in group}
        wanted = [(t, [*(a.unit for a in allocated[t.pk]), *([t.owner] if owned[t.pk] else [])]) for t in group]
        for t, actuals in zip(group, actuals_many(wanted, period), strict=True):
            expected = expected_percent(t, period.end)
            rows = [ProgressRow(a.unit, a.value, actuals[a.unit_id], percent(actuals[a.unit_id].value, a.value),
                                expected)
                    for a in sorted(allocated[t.pk], key=lambda a: (a.unit.sort_order, a.unit.code))]
            total = None
            if owned[t.pk]:
                act = actuals[t.owner_id]
                total = ProgressRow(t.owner, t.value, act, percent(act.value, t.value), expected, is_total=True)
            out[t.pk] = TargetProgress(t, period, period.end, expected, total, rows)
    return [out[t.pk] for t in targets]


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
