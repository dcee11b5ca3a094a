"""The dashboard served in few requests and few queries (issue: a browser visit made ~970 queries).

- `kpi_figures`: every line's KPI tile from one GROUP BY (both periods) over RecordFigure for all reported headline
  metrics (`grouped_totals`), instead of two `compute` calls per line.
- `line_cards`: every line's card from a handful of GROUP BYs (totals of all metrics; the headline metrics by unit,
  by month, by outlet level) and the unit tree read once (`figures.SubTrees`).
- Caching (`scope_cache_key`): per scope unit, period, comparison period, the units the viewer sees, metric
  versions and the ledger version (`ledger_version`: the newest RecordEvent id; approve, return, revise, supersede
  and import each write one), so any change to the ledger makes every cached figure stale at once. Figures of
  computed metrics (providers' rows change without a RecordEvent) are kept `COMPUTED_CACHE_SECONDS` only.

The values are those of `compute` (the tests compare them); drill-down links carry each figure's query.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Q, QuerySet, Sum

from taizhang.core.periods import Period
from taizhang.ledger import figures as ledger_figures
from taizhang.ledger import providers, summary
from taizhang.ledger.dashboard import (
    Figure,
    LineCard,
    LineInfo,
    Scope,
    _has_levels,
    figure_for,
    kpi_figure,
    level_chart,
    month_chart,
    records_base_url,
    unit_chart,
)
from taizhang.ledger.dashboard_prefetch import asking
from taizhang.ledger.figures import (
    EFFECTIVE,
    BreakdownRow,
    FigureResult,
    LedgerQuery,
    SubTrees,
    _lazy_kwargs,
    _plain,
    by_level_rows,
    by_month_rows,
    by_unit_rows,
    fold_rows,
    provider_for,
)
from taizhang.ledger.models import MetricDefinition, RecordFigure


def kpi_figures(scope: Scope, infos: Iterable[LineInfo]) -> list[Figure]:
    """The headline figure of every line: grouped queries for all reported headline metrics at once (a GROUP BY
    over RecordFigure for both periods), cached per scope, period, visible units and ledger version; computed metrics
    ask their provider (not cached: their rows change without the ledger knowing), for both periods at once
    where the provider can (`dashboard_prefetch.asking`)."""
    with asking(scope.period, scope.compare):
        return _kpi_figures(scope, infos)


def _kpi_figures(scope: Scope, infos: Iterable[LineInfo]) -> list[Figure]:
    infos = list(infos)
    base = records_base_url()
    reported = [i.headline for i in infos if i.headline.source != MetricDefinition.Source.COMPUTED]
    unit_ids = scope.unit_ids()
    values = _cached_totals(scope, reported, unit_ids)
    out = []
    for info in infos:
        m = info.headline
        if m.source == MetricDefinition.Source.COMPUTED:
            out.append(kpi_figure(scope, info))
            continue
        results = []
        for previous, period in ((False, scope.period), (True, scope.compare)):
            value, count = values[(previous, m.pk)]
            q = LedgerQuery(m, period, unit_ids)
            results.append(
                FigureResult(metric=m, unit=scope.unit, period=period, value=value, count=count, loader=q.ids)
            )
        out.append(figure_for(scope, info, m, base_url=base, current=results[0], previous=results[1]))
    return out


def ledger_version() -> int:
    """Changes whenever a record changes state (approve, return, revise, supersede, import: each writes a
    RecordEvent) or a metric definition is edited: part of every dashboard cache key."""
    from taizhang.ledger.models import RecordEvent

    event = RecordEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return int(event)


CACHE_SECONDS = 600
COMPUTED_CACHE_SECONDS = 60
"""Cards holding computed metrics (providers' rows change without a ledger version bump) are kept one minute."""


def scope_cache_key(scope: Scope, kind: str, *extra: str, unit_ids: list[int] | str | None = "?") -> str:
    """A cache key for dashboard data of `scope`: unit, period, comparison period, the units the viewer sees and
    the ledger version, so an approval, a return or a revision makes every cached figure stale at once."""
    if unit_ids == "?":
        unit_ids = scope.unit_ids()
    visible = "all" if unit_ids is None else ",".join(map(str, unit_ids))
    raw = f"{scope.unit.pk}|{scope.period.spec}|{scope.compare.spec}|{visible}|{ledger_version()}|{'|'.join(extra)}"
    return f"tz:dash:{kind}:{hashlib.sha256(raw.encode()).hexdigest()}"


def _cached_totals(
    scope: Scope, metrics: list[MetricDefinition], unit_ids: list[int] | None
) -> dict[tuple[bool, int], tuple[Decimal, int]]:
    if not metrics:
        return {}
    keys = ",".join(f"{m.pk}.{m.version}" for m in metrics)
    key = scope_cache_key(scope, "tiles", keys, unit_ids=unit_ids)
    cached = cache.get(key)
    if cached is not None:
        return {(bool(p), int(mid)): (Decimal(v), int(n)) for p, mid, v, n in cached}
    out: dict[tuple[bool, int], tuple[Decimal, int]] = {}
    both = grouped_totals(metrics, [scope.period, scope.compare], unit_ids)  # one pass for the two periods
    for previous, got in zip((False, True), both, strict=True):
        for m, (value, count) in got.items():
            out[(previous, m)] = (value, count)
    cache.set(key, [[int(p), mid, str(v), n] for (p, mid), (v, n) in out.items()], CACHE_SECONDS)
    return out


def _figures_of(periods: list[Period], unit_ids: list[int] | None) -> QuerySet[RecordFigure]:
    """Effective figures of the periods (within the range from the first start to the last end, so the covering
    index bounds the scan as for one period)."""
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    base = RecordFigure.objects.filter(effective__in=EFFECTIVE, date__gte=start, date__lte=end).order_by()
    if unit_ids is not None:
        base = base.filter(unit_id__in=unit_ids)
    if len(periods) > 1:
        within = Q()
        for p in periods:
            within |= Q(date__gte=p.start, date__lte=p.end)
        base = base.filter(within)
    return base


def _by_period(
    qs: QuerySet[RecordFigure], dims: list[str], periods: list[Period], *, with_max: bool
) -> Iterator[tuple[int, Any]]:
    """(period index, row) of `qs` grouped by `dims`: the rows `LedgerQuery.grouped` gives for each period, from
    one query with one filtered SUM and COUNT (and MAX for MAX metrics, the only ones that read it) per period.
    Grouped by the same columns as for one period, so the covering index still delivers the groups in order
    (a CASE over the date to group by would sort every row through a temporary B-tree on SQLite). The periods do
    not overlap: the earliest is `date <= its end`, the latest `date >= its start` within the query's range."""
    if len(periods) == 1:
        for r in qs.values(*dims).annotate(total=Sum("value"), n=Count("*"), mx=Max("value")):
            yield 0, r
        return
    first, last = min(periods, key=lambda p: p.start), max(periods, key=lambda p: p.start)
    aggregates: dict[str, Any] = {}
    for i, p in enumerate(periods):
        inside = (
            Q(date__lte=p.end)
            if p is first
            else Q(date__gte=p.start)
            if p is last
            else Q(date__gte=p.start, date__lte=p.end)
        )
        aggregates[f"total{i}"] = Sum("value", filter=inside)
        aggregates[f"n{i}"] = Count("record_id", filter=inside)  # never null: counts the rows
        if with_max:
            aggregates[f"mx{i}"] = Max("value", filter=inside)
    for r in qs.values(*dims).annotate(**aggregates):
        for i in range(len(periods)):
            if r[f"n{i}"]:
                row = {d: r[d] for d in dims}
                yield i, {**row, "total": r[f"total{i}"], "n": r[f"n{i}"], "mx": r.get(f"mx{i}")}


def _apart(periods: list[Period]) -> bool:
    ordered = sorted(periods, key=lambda p: p.start)
    return all(a.end < b.start for a, b in itertools.pairwise(ordered))


def grouped_totals(metrics: list[MetricDefinition], period: Period | list[Period], unit_ids: list[int] | None) -> Any:
    """(value, count) of many reported metrics over one scope and period: one GROUP BY metric for summed and
    averaged metrics, one GROUP BY metric, unit for MAX metrics (the same rules as compute()). Given a list of
    periods (this year and last), a dict per period from the same queries (one filtered aggregate per period)
    when they do not overlap."""
    periods = period if isinstance(period, list) else [period]
    if len(periods) > 1 and not _apart(periods):
        return [grouped_totals(metrics, p, unit_ids) for p in periods]
    outs: list[dict[int, tuple[Decimal, int]]] = [{m.pk: (Decimal(0), 0) for m in metrics} for _p in periods]
    if unit_ids is not None and not unit_ids:
        return outs if isinstance(period, list) else outs[0]
    by_pk = {m.pk: m for m in metrics}
    maxed = [m.pk for m in metrics if m.aggregation == MetricDefinition.Aggregation.MAX]
    plain = [m.pk for m in metrics if m.pk not in maxed]
    rows: list[dict[int, list[tuple[Any, Any, Any, Any, Any]]]] = [{} for _p in periods]
    # summed and averaged metrics: whole months from the monthly summary, the periods' partial months (and
    # everything when the summary is off) from the covering index, as LedgerQuery does for one metric
    plain_periods: list[tuple[int, Period]] = list(enumerate(periods))
    if plain and ledger_figures.USE_SUMMARY and not ledger_figures.BASELINE:
        plain_periods = []
        for at, p in enumerate(periods):
            months, edges = summary.split_months(p)
            for pk, (total, n) in (summary.month_totals(plain, months, unit_ids) if months else {}).items():
                rows[at].setdefault(pk, []).append((None, None, total, n, None))
            plain_periods += [(at, edge) for edge in edges]
    for ids, dims, spans in (
        (plain, ["metric_id"], plain_periods),
        (maxed, ["metric_id", "unit_id"], list(enumerate(periods))),
    ):
        if not ids or not spans:
            continue
        parts = [p for _at, p in spans]
        found = _by_period(_figures_of(parts, unit_ids).filter(metric_id__in=ids), dims, parts, with_max=ids is maxed)
        for i, r in found:
            rows[spans[i][0]].setdefault(r["metric_id"], []).append(
                (None, r.get("unit_id"), r["total"], r["n"], r["mx"])
            )
    for out, got in zip(outs, rows, strict=True):
        for pk, group in got.items():
            out[pk] = fold_rows(by_pk[pk], group)
    return outs if isinstance(period, list) else outs[0]


def line_cards(scope: Scope, infos: list[LineInfo]) -> list[LineCard]:
    """Every line's card at once, the same as `line_card` for each, from a handful of grouped queries: totals of
    every reported metric, the headline metrics by unit and by month (one GROUP BY each for both periods), by
    outlet level (this period) and the unit tree once. Computed metrics ask their provider, which answers the
    period and the comparison period together where it can (`dashboard_prefetch.asking`: one aggregate of an
    app's tables for both)."""
    with asking(scope.period, scope.compare):
        return _line_cards(scope, infos)


def _line_cards(scope: Scope, infos: list[LineInfo]) -> list[LineCard]:
    unit_ids = scope.unit_ids()
    computed = MetricDefinition.Source.COMPUTED
    reported = [m for i in infos for m in i.metrics if m.source != computed]
    heads = [i.headline for i in infos if i.headline.source != computed]
    levelled = [i.headline for i in infos if i.headline.source != computed and _has_levels(i, i.headline)]
    periods = {False: scope.period, True: scope.compare}
    # this period and last year's from the same queries (each row tells its period)
    both = [scope.period, scope.compare]
    totals = dict(zip((False, True), grouped_totals(reported, both, unit_ids), strict=True))
    by_unit = dict(zip((False, True), grouped_rows(heads, both, unit_ids, "unit_id"), strict=True))
    by_month = dict(zip((False, True), grouped_rows(heads, both, unit_ids, "date"), strict=True))
    by_level = grouped_rows(levelled, scope.period, unit_ids, "outlet_level")
    tree = SubTrees.of(scope.unit)
    base = records_base_url()
    cards = []
    for info in infos:
        head = info.headline
        plain: dict[tuple[bool, int], FigureResult] = {}
        for m in info.metrics:
            for prev, p in periods.items():
                if m.source == computed:
                    plain[(prev, m.pk)] = scope.figure(m, previous=prev)
                    continue
                value, count = totals[prev][m.pk]
                plain[(prev, m.pk)] = FigureResult(
                    metric=m,
                    unit=scope.unit,
                    period=p,
                    value=value,
                    count=count,
                    loader=LedgerQuery(m, p, unit_ids).ids,
                )
        unit_results, month_results = {}, {}
        for prev, p in periods.items():
            whole = plain[(prev, head.pk)]
            if head.source == computed:
                # the provider's grouped answer over the tree read once; by month from the provider per month
                # (memoised within the request: the study platform answers every month from one aggregate)
                unit_results[prev] = provided_by_unit(scope, head, p, whole, tree)
                month_results[prev] = scope.figure(head, "month", previous=prev)
                continue
            q = LedgerQuery(head, p, unit_ids)
            unit_results[prev] = FigureResult(
                metric=head,
                unit=scope.unit,
                period=p,
                value=whole.value,
                by="unit",
                count=whole.count,
                loader=q.ids,
                breakdown=by_unit_rows(q, scope.unit, tree=tree, rows=by_unit[prev].get(head.pk, [])),
            )
            month_results[prev] = FigureResult(
                metric=head,
                unit=scope.unit,
                period=p,
                value=whole.value,
                by="month",
                count=whole.count,
                loader=q.ids,
                breakdown=by_month_rows(q, rows=by_month[prev].get(head.pk, [])),
            )
        figures = []
        for m in info.metrics:
            if m.pk == head.pk:
                figures.append(
                    figure_for(scope, info, m, base_url=base, current=unit_results[False], previous=month_results[True])
                )
            else:
                figures.append(
                    figure_for(
                        scope, info, m, base_url=base, current=plain[(False, m.pk)], previous=plain[(True, m.pk)]
                    )
                )
        head_fig = next(f for f in figures if f.metric.pk == head.pk)
        key = info.line.key
        charts = [
            unit_chart(f"dash-{key}-unit", head_fig, unit_results[False], unit_results[True]),
            month_chart(f"dash-{key}-month", head_fig, month_results[False], month_results[True]),
        ]
        if head.source != computed and _has_levels(info, head):
            q = LedgerQuery(head, scope.period, unit_ids)
            whole = plain[(False, head.pk)]
            level_result = FigureResult(
                metric=head,
                unit=scope.unit,
                period=scope.period,
                value=whole.value,
                by="level",
                count=whole.count,
                loader=q.ids,
                breakdown=by_level_rows(q, rows=by_level.get(head.pk, [])),
            )
            charts.append(level_chart(f"dash-{key}-level", head_fig, level_result))
        cards.append(LineCard(info=info, figures=figures, charts=charts))
    return cards


def provided_by_unit(
    scope: Scope, m: MetricDefinition, period: Period, whole: FigureResult, tree: SubTrees | None
) -> FigureResult:
    """A computed metric by child unit, as `compute(by="unit")` gives it, over the unit tree read once for every
    card: the provider's grouped answer (one call for all children) when it has one, else one call per child.
    `whole` is the figure of the scope (its value and ids are the result's)."""
    provider = provider_for(m)
    unit_ids = scope.unit_ids()
    loaded = whole.loaded
    result = FigureResult(
        metric=m,
        unit=scope.unit,
        period=period,
        value=whole.value,
        by="unit",
        provider=provider.source,
        rows_url=provider.rows_url,
        records=whole.records if loaded else None,
        count=None if loaded else whole.count,
        loader=None if loaded else lambda: whole.records,
    )
    if tree is None:
        return result
    allowed = None if unit_ids is None else set(unit_ids)
    members = {owner: [i for i in ids if allowed is None or i in allowed] for owner, ids in tree.members.items()}
    top = tree.scope
    nothing = providers.Provided(Decimal(0), [])
    if provider.grouped is not None:
        groups = {uid: tree.child_of[uid].code for ids in members.values() for uid in ids}
        query = providers.FigureQuery(period=period, unit_ids=unit_ids)
        answered = provider.grouped(query, groups) if groups else {}
        answers = {u.pk: answered.get(u.code) or nothing for u in [*tree.children, top]}
    else:
        answers = {
            u.pk: provider.compute(providers.FigureQuery(period=period, unit_ids=sorted(members[u.pk])))
            if members.get(u.pk)
            else nothing
            for u in [*tree.children, top]
        }
    for child in tree.children:
        got = answers[child.pk]
        result.breakdown.append(BreakdownRow(child.code, child.label, _plain(Decimal(got.value)), **_lazy_kwargs(got)))
    own = answers[top.pk]
    if own.count or own.value:
        result.breakdown.append(
            BreakdownRow(top.code, f"{top.label}（本级）", _plain(Decimal(own.value)), **_lazy_kwargs(own))
        )
    return result


def grouped_rows(
    metrics: list[MetricDefinition], period: Period | list[Period], unit_ids: list[int] | None, dim: str
) -> Any:
    """Rows of many reported metrics grouped by metric and `dim` (and unit, for MAX metrics): one query per kind
    of aggregation. The rows are what `LedgerQuery.grouped(dim)` returns for each metric. Given a list of periods,
    a dict per period from the same queries (one filtered aggregate per period; by date, the date tells the
    period) when they do not overlap."""
    periods = period if isinstance(period, list) else [period]
    if len(periods) > 1 and not _apart(periods):
        return [grouped_rows(metrics, p, unit_ids, dim) for p in periods]
    outs: list[dict[int, list[dict[str, Any]]]] = [{} for _p in periods]
    if not metrics or (unit_ids is not None and not unit_ids):
        return outs if isinstance(period, list) else outs[0]
    base = _figures_of(periods, unit_ids)
    maxed = [m.pk for m in metrics if m.aggregation == MetricDefinition.Aggregation.MAX]
    plain = [m.pk for m in metrics if m.pk not in maxed]
    for ids, dims in ((plain, ["metric_id", dim]), (maxed, ["metric_id", *dict.fromkeys([dim, "unit_id"])])):
        if not ids:
            continue
        qs = base.filter(metric_id__in=ids)
        if dim == "date":  # a row's date tells its period
            for r in qs.values(*dims).annotate(total=Sum("value"), n=Count("*"), mx=Max("value")):
                at = next(i for i, p in enumerate(periods) if p.start <= r["date"] <= p.end)
                outs[at].setdefault(r["metric_id"], []).append(r)
            continue
        for at, r in _by_period(qs, dims, periods, with_max=ids is maxed):
            outs[at].setdefault(r["metric_id"], []).append(r)
    return outs if isinstance(period, list) else outs[0]
