"""The figures function: how much of metric M, for scope S and period P, with the records behind it.

Dashboards, the API, the CLI, targets, assessment and summaries all call `compute` and nothing else, so every
number the platform shows carries the query and the record ids that produce it.
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import Period
from taizhang.ledger import providers, summary
from taizhang.ledger.lazy_ids import LazyIds
from taizhang.ledger.models import LEVEL_ORDER, MetricDefinition, Outlet, RecordFigure
from taizhang.org.models import Unit

By = Literal["unit", "month", "level"]
FOUR_PLACES = Decimal("0.0001")


class BreakdownRow(LazyIds):
    def __init__(
        self,
        key: str,
        label: str,
        value: Decimal,
        records: list[int] | None = None,
        *,
        count: int | None = None,
        loader: Callable[[], list[int]] | None = None,
    ) -> None:
        self.key, self.label, self.value = key, label, value
        self._init_ids(records, count, loader)

    def __repr__(self) -> str:
        return f"BreakdownRow({self.key!r}, {self.label!r}, {self.value!r}, count={self.count})"

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "value": _num(self.value), "records": self.records}


class FigureResult(LazyIds):
    """A value with its provenance. `records` is lazy (see LazyIds); `count` is known without it."""

    def __init__(
        self,
        metric: MetricDefinition,
        unit: Unit | None,
        period: Period,
        value: Decimal,
        records: list[int] | None = None,
        by: str | None = None,
        breakdown: list[BreakdownRow] | None = None,
        filters: dict[str, Any] | None = None,
        provider: str = "",
        rows_url: str = "",
        *,
        count: int | None = None,
        loader: Callable[[], list[int]] | None = None,
        query: LedgerQuery | None = None,
    ) -> None:
        self.metric, self.unit, self.period, self.value, self.by = metric, unit, period, value, by
        self.query = query  # a reported metric's LedgerQuery: the ids as a subquery (`id_query`)
        self.breakdown: list[BreakdownRow] = breakdown if breakdown is not None else []
        self.filters: dict[str, Any] = filters if filters is not None else {}
        # computed metrics: "app_label.model" of the rows `records` points to ("" = ledger records), and the URL
        # name of the provider's page listing rows by ?ids=
        self.provider, self.rows_url = provider, rows_url
        self._init_ids(records, count, loader)

    def __repr__(self) -> str:
        return f"FigureResult({self.metric.key!r}, {self.value!r}, count={self.count})"

    @property
    def text(self) -> str:
        return f"{_fmt(self.value)}{self.metric.measure_word}"

    def id_query(self) -> QuerySet[Any] | list[int]:
        """The ledger record ids behind the value for `Record.objects.filter(pk__in=…)`: the figure's own query as
        a subquery, so the database lists them (the ids as a list only where they are held already: BASELINE)."""
        assert not self.provider, "a computed metric's ids are its provider's rows, not ledger records"
        return self.query.id_query() if self.query is not None else list(self.records)

    def source(self) -> dict[str, Any]:
        """The provenance of this figure, as summaries and bulletins store it: the query (metric, unit, period,
        filters) and, pinned for check-report, the ids it produced now and their count."""
        out = {
            "metric": self.metric.key,
            "label": self.metric.name,
            "unit": self.unit.code if self.unit else None,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "filters": self.filters,
            "value": str(self.value),
            "records": self.records,
            "count": self.count,
        }
        if self.provider:
            out["provider"] = self.provider
            out["rows_url"] = rows_link(self.rows_url, self.records)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric.key,
            "unit": self.unit.code if self.unit else None,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "value": _num(self.value),
            "records": self.records,
            "breakdown": [row.to_dict() for row in self.breakdown],
        }


def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _fmt(value: Decimal) -> str:
    return str(int(value)) if value == value.to_integral_value() else f"{value.normalize():f}"


def _total(values: list[Any]) -> Decimal:
    """Sum raw database values without a Decimal per row: ints stay exact, floats (SQLite) are summed with
    fsum and rounded to the column's four places, Decimals (PostgreSQL) add natively."""
    raw = sum(values)
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        return Decimal(repr(round(math.fsum(values), 4)))
    return Decimal(raw)


def _plain(value: Decimal) -> Decimal:
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.quantize(FOUR_PLACES, ROUND_HALF_UP).normalize()


def _aggregate(kind: str, rows: list[tuple[int, int, Any, Any]]) -> tuple[Decimal, list[int]]:
    """Combine (record_id, unit_id, value, dim) rows by the metric's aggregation."""
    if not rows:
        return Decimal(0), []
    if kind == MetricDefinition.Aggregation.MAX:
        # Stock figures (registered volunteers, followers): the highest value each unit reported, summed.
        best: dict[int, tuple[Any, int]] = {}
        for record_id, unit_id, value, _dim in rows:
            if unit_id not in best or value > best[unit_id][0]:
                best[unit_id] = (value, record_id)
        return _plain(_total([v for v, _ in best.values()])), sorted(rid for _, rid in best.values())
    total = _total([r[2] for r in rows])
    if kind == MetricDefinition.Aggregation.AVG:
        total = total / len(rows)
    return _plain(total), sorted([r[0] for r in rows])


def resolve_metric(metric: str | MetricDefinition) -> MetricDefinition:
    if isinstance(metric, MetricDefinition):
        return metric
    found = MetricDefinition.objects.filter(key=metric).select_related("line").first()
    if found is None and providers.get(metric) is not None:
        # A provider registered after the last `taizhang setup`: its metric row is created on first use.
        from taizhang.ledger.taxonomy import sync_computed_metrics

        sync_computed_metrics([metric])
        found = MetricDefinition.objects.filter(key=metric).select_related("line").first()
    if found is None:
        raise InvalidInput(f"未知指标“{metric}”。可用 `taizhang metrics` 查看全部指标。")
    return found


def resolve_unit(unit: str | Unit | None) -> Unit | None:
    if unit is None or isinstance(unit, Unit):
        return unit
    found = Unit.objects.filter(code=unit).first()
    if found is None:
        raise InvalidInput(f"未知单位代码“{unit}”。可用 `taizhang units` 查看全部单位。")
    return found


def _unit_ids(unit: Unit | None, user: Any) -> list[int] | None:
    """The unit ids in scope; None means no restriction (whole tree, system caller)."""
    ids: set[int] | None = None
    if unit is not None and unit.parent_id is not None:
        ids = set(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))
    if user is not None:
        from taizhang.org.roles import Cap
        from taizhang.org.scoping import unit_ids_for

        visible = set(unit_ids_for(user, Cap.VIEW))
        if ids is None and len(visible) == Unit.objects.count():
            return None  # sees the whole tree: no filter needed
        ids = visible if ids is None else ids & visible
    return None if ids is None else sorted(ids)


def _fetch(
    metric: MetricDefinition,
    period: Period,
    unit_ids: list[int] | None,
    dim: str | None,
    outlet_level: str | None,
    activity_type: str | None,
) -> list[tuple[int, int, Any, Any]]:
    qs = RecordFigure.objects.filter(metric_id=metric.pk, effective=True, date__gte=period.start, date__lte=period.end)
    if unit_ids is not None:
        if not unit_ids:
            return []
        qs = qs.filter(unit_id__in=unit_ids)
    if outlet_level:
        qs = qs.filter(outlet_level="" if outlet_level == _EMPTY_LEVEL else outlet_level)
    if activity_type:
        qs = qs.filter(record__activity_type__key=activity_type)
    columns: list[str] = ["record_id", "unit_id", "value"]
    columns.append(dim if dim else "unit_id")
    # Raw tuples straight from the cursor: no model or converter overhead on hundreds of thousands of rows.
    sql, params = qs.values_list(*columns).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def compute(
    metric: str | MetricDefinition,
    *,
    period: Period,
    unit: str | Unit | None = None,
    by: By | None = None,
    user: Any = None,
    outlet_level: str | None = None,
    activity_type: str | None = None,
    filters: dict[str, Any] | None = None,
    known_unit_ids: list[int] | Literal[False] | None = False,
) -> FigureResult:
    """The value of `metric` over approved, current records of `unit`'s subtree in `period`.

    `user` (optional) restricts to what that user may see. `by` adds a breakdown: "unit" (the scope unit's
    direct children, each with its subtree), "month", or "level" (outlet level, for placements). `outlet_level`
    narrows to one level (NO_LEVEL, "none": placements without one). A reported metric's result carries its query:
    `id_query()` gives the ids as a subquery (the record list's figure filter, `ledger.drill`).
    A computed metric (MetricDefinition.source == "computed") is answered by its provider (`ledger.providers`);
    `filters` are passed to it (provider-specific), `records` are then the ids of the provider's rows.
    `known_unit_ids`: the scope's unit ids (`scope_unit_ids(unit, user)`) when the caller has them already, so
    a page of figures resolves the viewer's scope once.
    """
    m = resolve_metric(metric)
    scope = resolve_unit(unit)
    level = _EMPTY_LEVEL if outlet_level == NO_LEVEL else outlet_level  # "none": 未分级
    if by not in (None, "unit", "month", "level"):
        raise InvalidInput(f"未知的分组方式“{by}”：可用 unit、month、level")
    if m.source == MetricDefinition.Source.COMPUTED:
        if outlet_level or activity_type:
            raise InvalidInput(f"“{m.name}”由系统计算，不能按媒体级别或活动类型筛选")
        with providers.memo():  # the scope's answer and its breakdown share the provider's queries
            return _compute_provided(m, period, scope, by, user, dict(filters or {}), known_unit_ids)
    if BASELINE:
        return _compute_rows(m, period, scope, by, user, level, activity_type)
    unit_ids = _unit_ids(scope, user) if known_unit_ids is False else known_unit_ids
    q = LedgerQuery(m, period, unit_ids, level or None, activity_type or None)
    filters = {k: v for k, v in (("outlet_level", outlet_level), ("activity_type", activity_type)) if v}
    if by is None:
        value, count = q.total()
        return FigureResult(
            metric=m, unit=scope, period=period, value=value, filters=filters, count=count, loader=q.ids, query=q
        )
    # A breakdown: one GROUP BY gives the parts and the whole (the total folds the same rows), not two scans.
    rows = q.grouped(_BY_DIM[by])
    value, count = _fold(m, _fold_rows(rows))
    result = FigureResult(
        metric=m, unit=scope, period=period, value=value, by=by, filters=filters, count=count, loader=q.ids, query=q
    )
    if by == "unit":
        result.breakdown = _q_by_unit(q, scope, rows=rows)
    elif by == "month":
        result.breakdown = _q_by_month(q, rows=rows)
    else:
        result.breakdown = _q_by_level(q, rows=rows)
    return result


_BY_DIM = {"unit": "unit_id", "month": "date", "level": "outlet_level"}


def _fold_rows(rows: list[dict[str, Any]]) -> list[tuple[Any, Any, Any, Any, Any]]:
    """`LedgerQuery.grouped` rows as `_fold` takes them: every group of the scope, so they fold to its total."""
    return [(None, r.get("unit_id"), r["total"], r["n"], r["mx"]) for r in rows]


# ---- the query: aggregates in the database, ids when asked for ---------------------------------------------------
BASELINE = False
"""True: the previous implementation (every row fetched, ids always materialised), kept for bench --baseline."""
USE_SUMMARY = True
"""False: whole months read from the covering index too (bench --baseline's middle column, tests of the index path)."""

EFFECTIVE = [True]
"""`effective__in=[True]`, not `effective=True`: SQLite compiles the latter to a bare `"effective"` test that cannot
bound an index range, so (metric, effective, date) searched only on metric (all dates: 20× slower at 1M records);
`IN (1)` is an equality and the date range is used."""

_SQLITE_IN_LIMIT = 30_000  # SQLite allows 32,766 parameters in one statement
_EMPTY_LEVEL = "\x00"  # outlet_level filter meaning "no level" (the 未分级 row), unlike None (no filter)
NO_LEVEL = "none"
"""`compute(outlet_level=NO_LEVEL)`: placements without an outlet level (未分级), as drill-down links name them."""


@dataclass(frozen=True)
class LedgerQuery:
    """What produces a figure: metric, scope (unit ids; None = whole tree), period and filters. Its aggregate gives
    the value and the count in one query over the covering index; `ids()` gives the exact record ids later."""

    metric: MetricDefinition
    period: Period
    unit_ids: list[int] | None
    outlet_level: str | None = None
    activity_type: str | None = None

    def narrowed(
        self, *, unit_ids: list[int] | None = None, period: Period | None = None, outlet_level: str | None = None
    ) -> LedgerQuery:
        return LedgerQuery(
            self.metric,
            period or self.period,
            self.unit_ids if unit_ids is None else unit_ids,
            outlet_level if outlet_level is not None else self.outlet_level,
            self.activity_type,
        )

    @property
    def empty(self) -> bool:
        return self.unit_ids is not None and not self.unit_ids

    def qs(self) -> QuerySet[RecordFigure]:
        qs = RecordFigure.objects.filter(
            metric_id=self.metric.pk, effective__in=EFFECTIVE, date__gte=self.period.start, date__lte=self.period.end
        )
        if self.unit_ids is not None:
            qs = qs.filter(unit_id__in=self.unit_ids)
        if self.outlet_level is not None:
            qs = qs.filter(outlet_level="" if self.outlet_level == _EMPTY_LEVEL else self.outlet_level)
        if self.activity_type:
            qs = qs.filter(record__activity_type__key=self.activity_type)
        return qs.order_by()

    @property
    def is_max(self) -> bool:
        return self.metric.aggregation == MetricDefinition.Aggregation.MAX

    @property
    def summarised(self) -> bool:
        """Unless filtered by activity type, whole months come from the summary that database triggers keep
        exact (`ledger.summary`: sums, counts and each unit's highest value); BASELINE reads the index."""
        return not (self.activity_type or BASELINE or not USE_SUMMARY)

    def total(self) -> tuple[Decimal, int]:
        if self.empty:
            return Decimal(0), 0
        rows = self.grouped() if self.summarised or self.is_max else [self.index_total()]  # MAX: rows by unit
        return _fold(self.metric, _fold_rows(rows))

    def grouped(self, *dims: str) -> list[dict[str, Any]]:
        """Sum, count and max per `dims` (and per unit for MAX metrics): whole months from the summary, the rest
        (or all, see `summarised`) in one GROUP BY over the covering index. A key may come in more than one row
        (a month's summary and an edge of the period): callers add the rows up."""
        if self.empty:
            return []
        if not self.summarised:
            return self.index_grouped(*dims)
        months, edges = summary.split_months(self.period)
        level = None if self.outlet_level is None else ("" if self.outlet_level == _EMPTY_LEVEL else self.outlet_level)
        rows = summary.month_rows(self.metric.pk, months, self.unit_ids, level, dims, self.is_max) if months else []
        for edge in (self.narrowed(period=p) for p in edges):
            rows.extend(edge.index_grouped(*dims) if dims or self.is_max else [edge.index_total()])
        return rows

    def index_total(self) -> dict[str, Any]:
        row = self.qs().aggregate(total=Sum("value"), n=Count("*"))
        return {"total": row["total"], "n": row["n"], "mx": None}

    def index_grouped(self, *dims: str) -> list[dict[str, Any]]:
        """One GROUP BY over the covering index."""
        if self.empty:
            return []
        keys = [*dims, "unit_id"] if self.is_max and "unit_id" not in dims else list(dims)
        qs = self.qs()
        if keys == ["unit_id"] and self.unit_ids is None and connection.vendor == "sqlite":
            # SQLite groups rows in index order or by sorting every row through a temporary B-tree (4× the scan of a
            # metric-year at 10 M records). Every unit named (IN), it reads ledger_fig_unit_cover unit by unit, each
            # unit's date range already grouped. Units and figures read in one transaction: the same snapshot.
            with transaction.atomic():
                every = list(Unit.objects.order_by().values_list("id", flat=True))
                if len(every) <= _SQLITE_IN_LIMIT:
                    qs = qs.filter(unit_id__in=every)
                return list(qs.values(*keys).annotate(total=Sum("value"), n=Count("*"), mx=Max("value")))
        return list(qs.values(*keys).annotate(total=Sum("value"), n=Count("*"), mx=Max("value")))

    def id_query(self) -> QuerySet[RecordFigure, Any]:
        """The record ids of `ids()` as a subquery (`values("record_id")`): for MAX metrics each unit's highest
        figure, the lowest record id among equals, as `ids()` chooses it (NOT EXISTS a better row in the unit)."""
        if self.empty:
            return RecordFigure.objects.none().values("record_id")
        qs = self.qs()
        if self.is_max:
            peers = LedgerQuery(self.metric, self.period, None, self.outlet_level, self.activity_type).qs()
            better = peers.filter(unit_id=OuterRef("unit_id")).filter(
                Q(value__gt=OuterRef("value")) | Q(value=OuterRef("value"), record_id__lt=OuterRef("record_id"))
            )
            qs = qs.filter(~Exists(better))
        return qs.values("record_id")

    def ids(self) -> list[int]:
        if self.empty:
            return []
        if not self.is_max:
            sql, params = self.qs().values_list("record_id").query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                return sorted(r[0] for r in cursor.fetchall())
        best: dict[int, tuple[Any, int]] = {}
        for record_id, unit_id, value in self.qs().values_list("record_id", "unit_id", "value"):
            held = best.get(unit_id)
            if held is None or value > held[0] or (value == held[0] and record_id < held[1]):
                best[unit_id] = (value, record_id)
        return sorted(rid for _, rid in best.values())


def _dec(value: Any) -> Decimal:
    if value is None:
        return Decimal(0)
    if isinstance(value, float):
        return Decimal(repr(round(value, 4)))
    return Decimal(value)


def _fold(m: MetricDefinition, rows: Iterable[tuple[Any, Any, Any, Any, Any]]) -> tuple[Decimal, int]:
    """Combine grouped (key, unit_id, sum, count, max) rows by the metric's aggregation → (value, count)."""
    rows = list(rows)
    n = sum(int(r[3] or 0) for r in rows)
    if not n:
        return Decimal(0), 0
    if m.aggregation == MetricDefinition.Aggregation.MAX:
        best: dict[Any, Decimal] = {}
        for _key, unit_id, _total, _n, mx in rows:
            value = _dec(mx)
            if unit_id not in best or value > best[unit_id]:
                best[unit_id] = value
        return _plain(sum(best.values(), Decimal(0))), len(best)
    total = sum((_dec(r[2]) for r in rows), Decimal(0))
    if m.aggregation == MetricDefinition.Aggregation.AVG:
        total = total / n
    return _plain(total), n


@dataclass
class SubTrees:
    """The scope unit, its children and which child (or the scope itself, 本级) each unit of the subtree rolls up
    to: two queries, shared by every by-unit breakdown of one scope."""

    scope: Unit
    children: list[Unit]
    child_of: dict[int, Unit]
    members: dict[int, list[int]]

    @classmethod
    def of(cls, given: Unit | None) -> SubTrees | None:
        scope = given or Unit.objects.filter(parent__isnull=True).first()
        if scope is None:
            return None
        children = list(Unit.objects.filter(parent=scope).order_by("sort_order", "code"))
        child_of: dict[int, Unit] = {scope.pk: scope}
        members: dict[int, list[int]] = defaultdict(list)
        prefixes = [(c.path, c) for c in children]
        for uid, path in Unit.objects.filter(path__startswith=scope.path).values_list("id", "path"):
            owner = next((child for prefix, child in prefixes if path.startswith(prefix)), scope)
            child_of[uid] = owner
            members[owner.pk].append(uid)
        return cls(scope, children, child_of, members)


def _q_by_unit(
    q: LedgerQuery, given: Unit | None, *, tree: SubTrees | None = None, rows: list[dict[str, Any]] | None = None
) -> list[BreakdownRow]:
    """By child unit. `tree` and `rows` (this metric's rows grouped by unit_id) may come prefetched for many
    metrics at once (the dashboard's cards); else they are queried here."""
    tree = tree or SubTrees.of(given)
    if tree is None:
        return []
    scope, children, child_of, members = tree.scope, tree.children, tree.child_of, tree.members
    groups: dict[int, list[tuple[Any, Any, Any, Any, Any]]] = defaultdict(list)
    for r in q.grouped("unit_id") if rows is None else rows:
        found = child_of.get(r["unit_id"])
        if found is not None:
            groups[found.pk].append((None, r["unit_id"], r["total"], r["n"], r["mx"]))
    allowed = None if q.unit_ids is None else set(q.unit_ids)
    out = []
    for u in [*children, scope]:
        if u is scope and u.pk not in groups:
            continue
        value, count = _fold(q.metric, groups.get(u.pk, []))
        ids = members[u.pk] if allowed is None else [i for i in members[u.pk] if i in allowed]
        label = u.label if u is not scope else f"{u.label}（本级）"
        out.append(
            BreakdownRow(
                u.code, label, value, count=count, loader=q.narrowed(unit_ids=sorted(ids)).ids if count else None
            )
        )
    return out


def _q_by_month(q: LedgerQuery, *, rows: list[dict[str, Any]] | None = None) -> list[BreakdownRow]:
    groups: dict[str, list[tuple[Any, Any, Any, Any, Any]]] = defaultdict(list)
    for r in q.grouped("date") if rows is None else rows:
        day = r["date"]
        key = day[:7] if isinstance(day, str) else f"{day.year}-{day.month:02d}"
        groups[key].append((key, r.get("unit_id"), r["total"], r["n"], r["mx"]))
    out = []
    for (y, mo), part in zip(q.period.months(), month_parts(q.period), strict=True):
        key = f"{y}-{mo:02d}"
        value, count = _fold(q.metric, groups.get(key, []))
        out.append(
            BreakdownRow(key, f"{y}年{mo}月", value, count=count, loader=q.narrowed(period=part).ids if count else None)
        )
    return out


def month_parts(period: Period) -> list[Period]:
    """The months of `period`, each clipped to it: what a breakdown by month asks (`asking` them: one query)."""
    out = []
    for y, mo in period.months():
        start = max(datetime.date(y, mo, 1), period.start)
        end = min(datetime.date(y, mo, calendar.monthrange(y, mo)[1]), period.end)
        out.append(Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range"))
    return out


def _q_by_level(q: LedgerQuery, *, rows: list[dict[str, Any]] | None = None) -> list[BreakdownRow]:
    groups: dict[str, list[tuple[Any, Any, Any, Any, Any]]] = defaultdict(list)
    for r in q.grouped("outlet_level") if rows is None else rows:
        groups[r["outlet_level"] or ""].append((None, r.get("unit_id"), r["total"], r["n"], r["mx"]))
    labels = dict(Outlet.Level.choices)
    out = []
    for level in [*sorted(LEVEL_ORDER, key=LEVEL_ORDER.__getitem__), ""]:
        if level == "" and level not in groups:
            continue
        value, count = _fold(q.metric, groups.get(level, []))
        narrowed = q.narrowed(outlet_level=level or _EMPTY_LEVEL)
        out.append(
            BreakdownRow(level, labels.get(level, "未分级"), value, count=count, loader=narrowed.ids if count else None)
        )
    return out


fold_rows = _fold
scope_unit_ids = _unit_ids
by_unit_rows = _q_by_unit
by_month_rows = _q_by_month
by_level_rows = _q_by_level


# ---- the previous implementation (BASELINE): every row fetched and grouped in Python ---------------------------
def _compute_rows(
    m: MetricDefinition,
    period: Period,
    scope: Unit | None,
    by: By | None,
    user: Any,
    outlet_level: str | None,
    activity_type: str | None,
) -> FigureResult:
    dim = {"month": "date", "level": "outlet_level"}.get(by or "")
    rows = _fetch(m, period, _unit_ids(scope, user), dim, outlet_level, activity_type)
    value, records = _aggregate(m.aggregation, rows)
    filters = {k: v for k, v in (("outlet_level", outlet_level), ("activity_type", activity_type)) if v}
    result = FigureResult(metric=m, unit=scope, period=period, value=value, records=records, by=by, filters=filters)
    if by == "unit":
        result.breakdown = _by_unit(m, scope, rows)
    elif by == "month":
        result.breakdown = _by_month(m, period, rows)
    elif by == "level":
        result.breakdown = _by_level(m, rows)
    return result


def _group(
    m: MetricDefinition, groups: dict[Any, list[tuple[int, int, Any, Any]]]
) -> dict[Any, tuple[Decimal, list[int]]]:
    return {key: _aggregate(m.aggregation, rows) for key, rows in groups.items()}


def _by_unit(m: MetricDefinition, scope: Unit | None, rows: list[tuple[int, int, Any, Any]]) -> list[BreakdownRow]:
    if scope is None:
        scope = Unit.objects.filter(parent__isnull=True).first()
        if scope is None:
            return []
    children = list(Unit.objects.filter(parent=scope).order_by("sort_order", "code"))
    child_of: dict[int, Unit] = {scope.pk: scope}
    prefixes = [(c.path, c) for c in children]
    for uid, path in Unit.objects.filter(path__startswith=scope.path).values_list("id", "path"):
        for prefix, child in prefixes:
            if path.startswith(prefix):
                child_of[uid] = child
                break
    groups: dict[int, list[tuple[int, int, Any, Any]]] = defaultdict(list)
    for row in rows:
        owner = child_of.get(row[1])
        if owner is not None:
            groups[owner.pk].append(row)
    values = _group(m, groups)
    out = []
    for u in [*children, scope]:
        if u is scope and u.pk not in values:
            continue
        value, recs = values.get(u.pk, (Decimal(0), []))
        label = u.label if u is not scope else f"{u.label}（本级）"
        out.append(BreakdownRow(key=u.code, label=label, value=value, records=recs))
    return out


def _by_month(m: MetricDefinition, period: Period, rows: list[tuple[int, int, Any, Any]]) -> list[BreakdownRow]:
    groups: dict[str, list[tuple[int, int, Any, Any]]] = defaultdict(list)
    for row in rows:
        day = row[3]
        key = day[:7] if isinstance(day, str) else f"{day.year}-{day.month:02d}"
        groups[key].append(row)
    values = _group(m, groups)
    out = []
    for y, mo in period.months():
        key = f"{y}-{mo:02d}"
        value, recs = values.get(key, (Decimal(0), []))
        out.append(BreakdownRow(key=key, label=f"{y}年{mo}月", value=value, records=recs))
    return out


def _by_level(m: MetricDefinition, rows: list[tuple[int, int, Any, Any]]) -> list[BreakdownRow]:
    groups: dict[str, list[tuple[int, int, Any, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[3] or ""].append(row)
    values = _group(m, groups)
    labels = dict(Outlet.Level.choices)
    out = []
    for level in sorted(LEVEL_ORDER, key=LEVEL_ORDER.__getitem__):
        value, recs = values.get(level, (Decimal(0), []))
        out.append(BreakdownRow(key=level, label=labels[level], value=value, records=recs))
    if "" in values:
        value, recs = values[""]
        out.append(BreakdownRow(key="", label="未分级", value=value, records=recs))
    return out


# ---- computed metrics (ledger.providers) ------------------------------------------------------------------------
def rows_link(url_name: str, ids: list[int]) -> str:
    """The provider's rows page listing `ids` ("" when the provider has no page)."""
    if not url_name:
        return ""
    from django.urls import NoReverseMatch, reverse

    try:
        base = reverse(url_name)
    except NoReverseMatch:
        return ""
    return f"{base}?ids={','.join(str(i) for i in ids)}" if ids else base


def provider_for(m: MetricDefinition) -> providers.Provider:
    provider = providers.get(m.key)
    if provider is None:
        raise InvalidInput(f"指标“{m.name}”由系统计算，但提供它的模块没有启用，暂时无法计算。")
    return provider


def _provided(
    provider: providers.Provider, period: Period, unit_ids: list[int] | None, filters: dict[str, Any]
) -> providers.Provided:
    if unit_ids is not None and not unit_ids:
        return providers.Provided(Decimal(0), [])
    got = provider.compute(providers.FigureQuery(period=period, unit_ids=unit_ids, filters=dict(filters)))
    if BASELINE:
        got.ids  # noqa: B018  (the previous behaviour: every id listed with the value)
    return got


def _lazy_kwargs(got: providers.Provided) -> dict[str, Any]:
    """FigureResult/BreakdownRow arguments for a provider's answer: ids now if listed, else count + loader."""
    loader = got.loader
    if loader is None:
        return {"records": sorted(int(i) for i in got.ids)}
    return {"count": got.count, "loader": loader}


def _subtree(unit: Unit, allowed: list[int] | None) -> list[int]:
    ids = list(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))
    return ids if allowed is None else sorted(set(ids) & set(allowed))


def _compute_provided(
    m: MetricDefinition,
    period: Period,
    scope: Unit | None,
    by: By | None,
    user: Any,
    filters: dict[str, Any],
    known: list[int] | Literal[False] | None = False,
) -> FigureResult:
    """A computed metric: one provider call for the scope; by unit, one grouped call when the provider has one
    (`Provider.grouped`), else one call per child subtree; by month, one call per month. Never a sum of the parts:
    rates cannot be added. The ids behind each value are listed only when read (`Provided` loaders)."""
    provider = provider_for(m)
    if by == "level":
        raise InvalidInput(f"“{m.name}”由系统计算，没有媒体级别，不能按媒体级别分组")
    unit_ids = _unit_ids(scope, user) if known is False else known
    got = _provided(provider, period, unit_ids, filters)
    result = FigureResult(
        metric=m,
        unit=scope,
        period=period,
        value=_plain(Decimal(got.value)),
        by=by,
        filters=filters,
        provider=provider.source,
        rows_url=provider.rows_url,
        **_lazy_kwargs(got),
    )
    if by == "unit":
        result.breakdown = _provided_by_unit(provider, period, scope, unit_ids, filters)
    elif by == "month":
        for (y, mo), part in zip(period.months(), month_parts(period), strict=True):
            got = _provided(provider, part, unit_ids, filters)
            result.breakdown.append(
                BreakdownRow(f"{y}-{mo:02d}", f"{y}年{mo}月", _plain(Decimal(got.value)), **_lazy_kwargs(got))
            )
    return result


def _provided_by_unit(
    provider: providers.Provider,
    period: Period,
    scope: Unit | None,
    unit_ids: list[int] | None,
    filters: dict[str, Any],
) -> list[BreakdownRow]:
    top = scope or Unit.objects.filter(parent__isnull=True).first()
    if top is None:
        return []
    tree = SubTrees.of(top)
    assert tree is not None
    allowed = None if unit_ids is None else set(unit_ids)
    members = {owner: [i for i in ids if allowed is None or i in allowed] for owner, ids in tree.members.items()}
    rows: list[BreakdownRow] = []
    if provider.grouped is not None and not BASELINE:
        groups = {uid: tree.child_of[uid].code for owner in members.values() for uid in owner}
        answered = (
            provider.grouped(providers.FigureQuery(period=period, unit_ids=unit_ids, filters=dict(filters)), groups)
            if groups
            else {}
        )
        answers = {u.pk: answered.get(u.code) or providers.Provided(Decimal(0), []) for u in [*tree.children, top]}
    else:
        answers = {
            u.pk: _provided(provider, period, sorted(members.get(u.pk, [])), filters) for u in [*tree.children, top]
        }
    for child in tree.children:
        got = answers[child.pk]
        rows.append(BreakdownRow(child.code, child.label, _plain(Decimal(got.value)), **_lazy_kwargs(got)))
    own = answers[top.pk]
    if own.count or own.value:
        rows.append(BreakdownRow(top.code, f"{top.label}（本级）", _plain(Decimal(own.value)), **_lazy_kwargs(own)))
    return rows


def compute_many(
    metrics: Iterable[str | MetricDefinition], *, period: Period, unit: str | Unit | None = None, user: Any = None
) -> dict[str, FigureResult]:
    return {r.metric.key: r for r in (compute(m, period=period, unit=unit, user=user) for m in metrics)}


def change_ratio(current: Decimal, previous: Decimal) -> Decimal | None:
    """Year-on-year change in percent (21 for +21%), None when there is no base."""
    if previous == 0:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.1"), ROUND_HALF_UP)
