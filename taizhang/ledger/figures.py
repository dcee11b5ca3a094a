"""The figures function: how much of metric M, for scope S and period P, with the records behind it.

Dashboards, the API, the CLI, targets, assessment and summaries all call `compute` and nothing else, so every
number the platform shows carries the query and the record ids that produce it.
"""

from __future__ import annotations

import calendar
import datetime
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal

from django.db import connection

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import Period
from taizhang.ledger import providers
from taizhang.ledger.models import LEVEL_ORDER, MetricDefinition, Outlet, RecordFigure
from taizhang.org.models import Unit

By = Literal["unit", "month", "level"]
FOUR_PLACES = Decimal("0.0001")


@dataclass
class BreakdownRow:
    key: str
    label: str
    value: Decimal
    records: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label": self.label, "value": _num(self.value), "records": self.records}


@dataclass
class FigureResult:
    metric: MetricDefinition
    unit: Unit | None
    period: Period
    value: Decimal
    records: list[int]
    by: str | None = None
    breakdown: list[BreakdownRow] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)
    provider: str = ""  # computed metrics: "app_label.model" of the rows `records` points to ("" = ledger records)
    rows_url: str = ""  # computed metrics: URL name of the provider's page listing rows by ?ids=

    @property
    def text(self) -> str:
        return f"{_fmt(self.value)}{self.metric.measure_word}"

    def source(self) -> dict[str, Any]:
        """The provenance of this figure, as summaries and bulletins store it."""
        out = {
            "metric": self.metric.key,
            "label": self.metric.name,
            "unit": self.unit.code if self.unit else None,
            "period": {"start": self.period.start.isoformat(), "end": self.period.end.isoformat()},
            "filters": self.filters,
            "value": str(self.value),
            "records": self.records,
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
        qs = qs.filter(outlet_level=outlet_level)
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
) -> FigureResult:
    """The value of `metric` over approved, current records of `unit`'s subtree in `period`.

    `user` (optional) restricts to what that user may see. `by` adds a breakdown: "unit" (the scope unit's
    direct children, each with its subtree), "month", or "level" (outlet level, for placements).
    A computed metric (MetricDefinition.source == "computed") is answered by its provider (`ledger.providers`);
    `filters` are passed to it (provider-specific), `records` are then the ids of the provider's rows.
    """
    m = resolve_metric(metric)
    scope = resolve_unit(unit)
    if by not in (None, "unit", "month", "level"):
        raise InvalidInput(f"未知的分组方式“{by}”：可用 unit、month、level")
    if m.source == MetricDefinition.Source.COMPUTED:
        if outlet_level or activity_type:
            raise InvalidInput(f"“{m.name}”由系统计算，不能按媒体级别或活动类型筛选")
        return _compute_provided(m, period, scope, by, user, dict(filters or {}))
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


def _provided(provider: providers.Provider, period: Period, unit_ids: list[int] | None,
              filters: dict[str, Any]) -> tuple[Decimal, list[int]]:
    if unit_ids is not None and not unit_ids:
        return Decimal(0), []
    got = provider.compute(providers.FigureQuery(period=period, unit_ids=unit_ids, filters=dict(filters)))
    return _plain(Decimal(got.value)), sorted(int(i) for i in got.ids)


def _subtree(unit: Unit, allowed: list[int] | None) -> list[int]:
    ids = list(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))
    return ids if allowed is None else sorted(set(ids) & set(allowed))


def _compute_provided(m: MetricDefinition, period: Period, scope: Unit | None, by: By | None, user: Any,
                      filters: dict[str, Any]) -> FigureResult:
    """A computed metric: one provider call for the scope, one more per child subtree (by unit) or per month (by
    month), never a sum of the parts: rates cannot be added."""
    provider = provider_for(m)
    if by == "level":
        raise InvalidInput(f"“{m.name}”由系统计算，没有媒体级别，不能按媒体级别分组")
    unit_ids = _unit_ids(scope, user)
    value, ids = _provided(provider, period, unit_ids, filters)
    result = FigureResult(metric=m, unit=scope, period=period, value=value, records=ids, by=by, filters=filters,
                          provider=provider.source, rows_url=provider.rows_url)
    if by == "unit":
        top = scope or Unit.objects.filter(parent__isnull=True).first()
        if top is not None:
            for child in Unit.objects.filter(parent=top).order_by("sort_order", "code"):
                v, r = _provided(provider, period, _subtree(child, unit_ids), filters)
                result.breakdown.append(BreakdownRow(key=child.code, label=child.label, value=v, records=r))
            own = [top.pk] if unit_ids is None or top.pk in unit_ids else []
            v, r = _provided(provider, period, own, filters)
            if r or v:
                result.breakdown.append(BreakdownRow(key=top.code, label=f"{top.label}（本级）", value=v, records=r))
    elif by == "month":
        for y, mo in period.months():
            start = max(datetime.date(y, mo, 1), period.start)
            end = min(datetime.date(y, mo, calendar.monthrange(y, mo)[1]), period.end)
            part = Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")
            v, r = _provided(provider, part, unit_ids, filters)
            result.breakdown.append(BreakdownRow(key=f"{y}-{mo:02d}", label=f"{y}年{mo}月", value=v, records=r))
    return result


def compute_many(
    metrics: Iterable[str | MetricDefinition], *, period: Period, unit: str | Unit | None = None, user: Any = None
) -> dict[str, FigureResult]:
    return {r.metric.key: r for r in (compute(m, period=period, unit=unit, user=user) for m in metrics)}


def change_ratio(current: Decimal, previous: Decimal) -> Decimal | None:
    """Year-on-year change in percent (21 for +21%), None when there is no base."""
    if previous == 0:
        return None
    return ((current - previous) * 100 / previous).quantize(Decimal("0.1"), ROUND_HALF_UP)
