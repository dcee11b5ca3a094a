"""Reported figures of many scopes at once: the rows `LedgerQuery.grouped` folds, for several metrics and the
subtrees of many units, from a few grouped queries instead of a `compute` per scope (docs/scale.md: a page's
query count must not depend on the number of units or of things it shows).

- `UnitScopes.read(units)`: the unit tree read once; which of the wanted units each unit counts for (its own and
  its ancestors' among them; a unit without a parent counts every unit, as `compute` scopes it) and each wanted
  unit's subtree.
- `FigureRows.read([(metric id, activity type key or None)], period, unit_ids)`: the effective figures by metric,
  unit, outlet level (and month): whole months from the monthly summary, the partial months at the edges and
  activity-type-limited metrics from the covering index, as `LedgerQuery` reads them.
- `rows.groups(metric_id, activity_type, level, units, scopes)`: a wanted unit's rows, for `figures.fold_rows`;
  the value and count then equal `compute(metric, period=…, unit=…, outlet_level=…, activity_type=…)`, and
  `LedgerQuery(metric, period, scopes.scope[pk], level, activity_type).ids` lists the records behind them.
Used by the targets' progress page (`targets.progress`); the tests there compare every value and id with `compute`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, QuerySet, Sum

from taizhang.core.periods import Period, month_periods
from taizhang.ledger import figures as ledger_figures
from taizhang.ledger import summary
from taizhang.ledger.models import RecordFigure
from taizhang.org.models import Unit

Row = tuple[Any, Any, Any, Any, Any]  # (key, unit_id, sum, count, max) as figures.fold_rows takes them


@dataclass
class UnitScopes:
    """The unit tree read once: for every unit, which of the wanted units it counts for (its own and its
    ancestors' among them; a wanted unit without a parent counts every unit, as `compute` scopes it), and each
    wanted unit's scope (its subtree's ids; None for the whole ledger)."""

    counts_for: dict[int, list[int]]
    scope: dict[int, list[int] | None]

    @classmethod
    def read(cls, wanted: Iterable[Unit]) -> UnitScopes:
        units = {u.pk: u for u in wanted}
        everywhere = [pk for pk, u in units.items() if u.parent_id is None]
        by_path = {u.path: pk for pk, u in units.items() if u.parent_id is not None}
        odd = [(path, pk) for path, pk in by_path.items() if not path.endswith("/")]
        members: dict[int, list[int]] = {pk: [] for pk in by_path.values()}
        counts_for: dict[int, list[int]] = {}
        for uid, path in Unit.objects.order_by("id").values_list("id", "path"):
            # the wanted units whose subtree holds this unit (path__startswith, as compute scopes a unit)
            owners = [by_path[path[:i + 1]] for i, ch in enumerate(path) if ch == "/" and path[:i + 1] in by_path]
            owners += [pk for prefix, pk in odd if path.startswith(prefix)]
            for pk in owners:
                members[pk].append(uid)
            counts_for[uid] = [*everywhere, *owners]
        scope: dict[int, list[int] | None] = dict.fromkeys(everywhere)
        scope.update(members)
        return cls(counts_for, scope)

    def unit_ids(self) -> list[int] | None:
        """The units whose figures count for some wanted unit (None: every unit)."""
        if any(ids is None for ids in self.scope.values()):
            return None
        return sorted({uid for ids in self.scope.values() for uid in ids or ()})


FigureRow = tuple[int, str, str | None, Any, Any, Any]  # unit_id, outlet level, month ("2024-05") or None, sum, n, max
_IN_LIST_MAX = 10_000  # a scope of more units is read whole (no IN list)


@dataclass
class FigureRows:
    """The effective figures of the targets' reported metrics over one period, by metric, unit and outlet level
    (and month, `by_month`; and activity type, for targets limited to one): the rows `LedgerQuery.grouped` folds,
    read for every target at once. Whole months from the monthly summary (`ledger.summary.month_groups`, one query;
    by month, a filtered sum per month), the partial months at the period's edges from the covering index (one
    GROUP BY each); activity-type targets from the covering index over the period, as `LedgerQuery` reads them
    (the summary has no activity type). `unit_ids`: only these units' figures (None: every unit)."""

    period: Period
    rows: dict[tuple[int, str | None], list[FigureRow]]

    @classmethod
    def read(cls, wanted: Sequence[tuple[int, str | None]], period: Period, unit_ids: list[int] | None = None, *,
             by_month: bool = False) -> FigureRows:
        """`wanted`: (metric id, activity type key or None) pairs."""
        plain = sorted({metric_id for metric_id, atype in wanted if atype is None})
        typed = sorted({metric_id for metric_id, atype in wanted if atype is not None})
        types = sorted({atype for _metric_id, atype in wanted if atype is not None})
        rows: dict[tuple[int, str | None], list[FigureRow]] = defaultdict(list)
        if unit_ids is not None and not unit_ids:
            return cls(period, {})
        if unit_ids is not None and len(unit_ids) > _IN_LIST_MAX:
            unit_ids = None  # the rows of other units are never folded (`UnitScopes.counts_for`)
        edges: list[Period] = [period]
        if plain and ledger_figures.USE_SUMMARY:
            months, edges = summary.split_months(period)
            if months:
                spans = [months]
                if by_month:
                    spans = [(p.start, p.start) for p in month_periods(_range(months[0], months[1]))]
                keys = [f"{a:%Y-%m}" if by_month else None for a, _b in spans]
                for at, r in summary.month_groups(plain, spans, unit_ids, "outlet_level", with_max=True):
                    rows[(r["metric_id"], None)].append(
                        (r["unit_id"], r["outlet_level"] or "", keys[at], r["total"], r["n"], r["mx"]))
        dims = ["metric_id", "unit_id", "outlet_level", *(["date"] if by_month else [])]
        for edge in edges if plain else []:
            for r in _grouped(_figures(plain, edge, unit_ids), dims):
                rows[(r["metric_id"], None)].append(
                    (r["unit_id"], r["outlet_level"] or "", _month(r.get("date")), r["total"], r["n"], r["mx"]))
        if typed:
            qs = _figures(typed, period, unit_ids).filter(record__activity_type__key__in=types)
            for r in _grouped(qs, [*dims, "record__activity_type__key"]):
                rows[(r["metric_id"], r["record__activity_type__key"])].append(
                    (r["unit_id"], r["outlet_level"] or "", _month(r.get("date")), r["total"], r["n"], r["mx"]))
        return cls(period, dict(rows))

    def groups(self, metric_id: int, activity_type: str | None, level: str | None, wanted: set[int],
               scopes: UnitScopes) -> dict[int, dict[str | None, list[Row]]]:
        """The rows of a metric (limited to an activity type, or not) of one outlet level (None: any) by wanted unit
        (with its subtree) and month (None when not read by month), as `fold_rows` takes them."""
        groups: dict[int, dict[str | None, list[Row]]] = defaultdict(lambda: defaultdict(list))
        for uid, row_level, month, total, n, mx in self.rows.get((metric_id, activity_type), []):
            if level is not None and row_level != level:
                continue
            for pk in scopes.counts_for.get(uid, ()):
                if pk in wanted:
                    groups[pk][month].append((month, uid, total, n, mx))
        return groups


def _range(start: datetime.date, end: datetime.date) -> Period:
    return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")


def _month(day: Any) -> str | None:
    if day is None:
        return None
    return day[:7] if isinstance(day, str) else f"{day.year}-{day.month:02d}"


def _figures(metric_ids: list[int], period: Period, unit_ids: list[int] | None) -> QuerySet[RecordFigure]:
    """Effective figures of the metrics in `period` (as `LedgerQuery.qs`: the covering index's range)."""
    qs = RecordFigure.objects.filter(metric_id__in=metric_ids, effective__in=ledger_figures.EFFECTIVE,
                                     date__gte=period.start, date__lte=period.end)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    return qs.order_by()


def _grouped(qs: QuerySet[RecordFigure], dims: list[str]) -> Iterable[dict[str, Any]]:
    return qs.values(*dims).annotate(total=Sum("value"), n=Count("*"), mx=Max("value"))
