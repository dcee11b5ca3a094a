"""The dashboard served in few requests and few queries (issue: a browser visit made ~970 queries).

- `kpi_figures`: every line's KPI tile from one GROUP BY (both periods) for all reported headline metrics
  (`grouped_totals`), instead of two `compute` calls per line.
- `line_cards`: every line's card from a handful of GROUP BYs (every metric by month, its totals added up from the
  months; the headline metrics by unit and by outlet level) and the unit tree read once (`figures.SubTrees`).
- Every reported metric reads whole months from the monthly summary (`ledger.summary`, kept by triggers; MAX
  (stock) metrics each unit's highest value there), the partial months at a period's edges from the covering index.
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
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, QuerySet, Sum, Value

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


def _figures_of(period: Period, unit_ids: list[int] | None) -> QuerySet[RecordFigure]:
    """Effective figures of one period (its dates bound the covering index's range)."""
    base = RecordFigure.objects.filter(effective__in=EFFECTIVE, date__gte=period.start, date__lte=period.end)
    if unit_ids is not None:
        base = base.filter(unit_id__in=unit_ids)
    return base.order_by()


def _by_part(
    ids: list[int], dims: list[str], parts: list[Period], unit_ids: list[int] | None, *, with_max: bool
) -> Iterator[tuple[int, Any]]:
    """(part index, row) of the figures of metrics `ids` grouped by `dims` in each part (periods that do not
    overlap): the rows `LedgerQuery.grouped` gives for each, with SUM and COUNT (and MAX for MAX metrics, the only
    ones that read it). One statement, a UNION ALL of one GROUP BY per part, each grouped by the same columns as for
    one period (the covering index delivers the groups in order on SQLite) and each bounded by its own dates: one
    index range from the first start to the last end (a filtered aggregate per period) read every day between the
    parts too, a year of figures for the partial months at the edges of a running year and of last year's."""
    arms = []
    for i, period in enumerate(parts):
        aggregates: dict[str, Any] = {"total": Sum("value"), "n": Count("*")}
        if with_max:
            aggregates["mx"] = Max("value")
        arms.append(
            _figures_of(period, unit_ids).filter(metric_id__in=ids).values(*dims).annotate(part=Value(i), **aggregates)
        )
    for r in arms[0].union(*arms[1:], all=True) if len(arms) > 1 else arms[0]:
        yield int(r["part"]), {**{d: r[d] for d in dims}, "total": r["total"], "n": r["n"], "mx": r.get("mx")}


def _apart(periods: list[Period]) -> bool:
    ordered = sorted(periods, key=lambda p: p.start)
    return all(a.end < b.start for a, b in itertools.pairwise(ordered))


def _summarised() -> bool:
    """Whole months come from the monthly summary (as `LedgerQuery.summarised`)."""
    return ledger_figures.USE_SUMMARY and not ledger_figures.BASELINE


def _whole_months(
    periods: list[Period],
) -> tuple[list[tuple[int, tuple[date, date]]], list[tuple[int, Period]]]:
    """The periods' whole months (period index, first days of the first and last month), read from the summary,
    and their partial months at the edges (period index, part), read from the covering index."""
    whole: list[tuple[int, tuple[date, date]]] = []
    edges: list[tuple[int, Period]] = []
    for at, p in enumerate(periods):
        months, parts = summary.split_months(p)
        if months:
            whole.append((at, months))
        edges += [(at, part) for part in parts]
    return whole, edges


def grouped_totals(metrics: list[MetricDefinition], period: Period | list[Period], unit_ids: list[int] | None) -> Any:
    """(value, count) of many reported metrics over one scope and period (the same rules as compute()): summed and
    averaged metrics from the monthly summary grouped by metric and month (whole months) and one GROUP BY metric
    over the covering index for the partial months at the edges; MAX metrics the same grouped by metric and unit
    (each unit's highest value). Given a list of periods (this year and last), a dict per period from the same
    queries (each row tells its period) when they do not overlap."""
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
    # whole months from the monthly summary, the periods' partial months (and everything when the summary is off)
    # from the covering index, as LedgerQuery does for one metric
    edges: list[tuple[int, Period]] = list(enumerate(periods))
    if _summarised():
        # every period's whole months from one scan of the summary (MAX metrics: another, by unit; added up there
        # when no partial month's rows are to be merged with them by unit)
        whole, edges = _whole_months(periods)
        if maxed and not edges:
            for (i, pk), (value, units) in summary.max_totals(maxed, [m for _at, m in whole], unit_ids).items():
                outs[whole[i][0]][pk] = (_plain(value), units)
            maxed = []
        for ids in (plain, maxed):
            for i, r in summary.month_groups(ids, [m for _at, m in whole], unit_ids, None, with_max=ids is maxed):
                rows[whole[i][0]].setdefault(r["metric_id"], []).append(
                    (None, r.get("unit_id"), r["total"], r["n"], r["mx"])
                )
    for ids, dims, spans in ((plain, ["metric_id"], edges), (maxed, ["metric_id", "unit_id"], edges)):
        if not ids or not spans:
            continue
        for i, r in _by_part(ids, dims, [p for _at, p in spans], unit_ids, with_max=ids is maxed):
            rows[spans[i][0]].setdefault(r["metric_id"], []).append(
                (None, r.get("unit_id"), r["total"], r["n"], r["mx"])
            )
    for out, got in zip(outs, rows, strict=True):
        for pk, group in got.items():
            out[pk] = fold_rows(by_pk[pk], group)
    return outs if isinstance(period, list) else outs[0]


def line_cards(scope: Scope, infos: list[LineInfo]) -> list[LineCard]:
    """Every line's card at once, the same as `line_card` for each, from a handful of grouped queries: every
    reported metric by month with its totals (`totals_and_months`), the headline metrics by unit (one GROUP BY for
    both periods), by outlet level (this period) and the unit tree once. Computed metrics ask their provider,
    which answers the period and the comparison period together where it can (`dashboard_prefetch.asking`: one
    aggregate of an app's tables for both)."""
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
    totals, by_month = totals_and_months(reported, heads, both, unit_ids)
    tree = SubTrees.of(scope.unit)
    # summed heads' rows by unit come added up by the child each unit rolls up to (what by_unit_rows folds them into)
    owners = None if tree is None else {uid: owner.pk for uid, owner in tree.child_of.items()}
    by_unit = dict(zip((False, True), grouped_rows(heads, both, unit_ids, "unit_id", owners=owners), strict=True))
    by_level = grouped_rows(levelled, scope.period, unit_ids, "outlet_level")
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


def totals_and_months(
    reported: list[MetricDefinition], heads: list[MetricDefinition], periods: list[Period], unit_ids: list[int] | None
) -> tuple[dict[bool, dict[int, tuple[Decimal, int]]], dict[bool, dict[int, list[dict[str, Any]]]]]:
    """(value, count) of every reported metric and the rows by month of the headline metrics, for this period
    (False) and last year's (True). Summed and averaged metrics: every one of them by month from one scan of the
    monthly summary (the partial months at the edges by day from the index); the totals are those months added up
    (`fold_rows`, as `LedgerQuery.total()` folds its rows), and the headline metrics' months are the same rows, so
    the cards read the summary rows of the headline metrics once, not twice. Maximum (stock) metrics: totals from
    `grouped_totals` (by unit), by month from `grouped_rows` (the summary's rows by unit, as for the others)."""
    maxed = [m for m in reported if m.aggregation == MetricDefinition.Aggregation.MAX]
    plain = [m for m in reported if m.aggregation != MetricDefinition.Aggregation.MAX]
    flags = (False, True)
    monthly: dict[bool, dict[int, list[dict[str, Any]]]] = dict(
        zip(flags, grouped_rows(plain, periods, unit_ids, "date"), strict=True)
    )
    totals: dict[bool, dict[int, tuple[Decimal, int]]] = dict(
        zip(flags, grouped_totals(maxed, periods, unit_ids), strict=True)
    )
    for prev in flags:
        for m in plain:
            rows = monthly[prev].get(m.pk, [])
            totals[prev][m.pk] = fold_rows(m, [(None, r.get("unit_id"), r["total"], r["n"], r["mx"]) for r in rows])
    head_ids = {m.pk for m in heads}
    maxed_heads = [m for m in heads if m.aggregation == MetricDefinition.Aggregation.MAX]
    by_month: dict[bool, dict[int, list[dict[str, Any]]]] = dict(
        zip(flags, grouped_rows(maxed_heads, periods, unit_ids, "date"), strict=True)
    )
    for prev in flags:
        by_month[prev].update({pk: rows for pk, rows in monthly[prev].items() if pk in head_ids})
    return totals, by_month


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
    metrics: list[MetricDefinition],
    period: Period | list[Period],
    unit_ids: list[int] | None,
    dim: str,
    *,
    owners: dict[int, int] | None = None,
) -> Any:
    """Rows of many reported metrics grouped by metric and `dim` (and unit, for MAX metrics), what
    `LedgerQuery.grouped(dim)` returns for each metric: summed and averaged metrics' whole months from the monthly
    summary (`summary.month_groups`; MAX metrics by unit too, with each unit's highest value), their partial months
    at the periods' edges from the covering index (`_by_part`). Given a list of periods, a dict per period from the
    same queries when they do not overlap. `owners` (by "unit_id"): the summed and averaged metrics' whole months
    come added up by the unit each unit rolls up to (`summary.month_groups`), so a row's `unit_id` may be an owner's;
    folding the rows into `owners` gives the same as before."""
    periods = period if isinstance(period, list) else [period]
    if len(periods) > 1 and not _apart(periods):
        return [grouped_rows(metrics, p, unit_ids, dim, owners=owners) for p in periods]
    outs: list[dict[int, list[dict[str, Any]]]] = [{} for _p in periods]
    if not metrics or (unit_ids is not None and not unit_ids):
        return outs if isinstance(period, list) else outs[0]
    maxed = [m.pk for m in metrics if m.aggregation == MetricDefinition.Aggregation.MAX]
    plain = [m.pk for m in metrics if m.pk not in maxed]
    # summed and averaged metrics: whole months from one scan of the monthly summary (by month, a month's row;
    # by unit or level, one filtered SUM per period), the partial months at the periods' edges from the index, as
    # LedgerQuery does for one metric
    edges: list[tuple[int, Period]] = list(enumerate(periods))
    if _summarised():
        whole, edges = _whole_months(periods)
        months = [m for _at, m in whole]
        for i, r in summary.month_groups(plain, months, unit_ids, dim, owners=owners if dim == "unit_id" else None):
            outs[whole[i][0]].setdefault(r["metric_id"], []).append(r)
        for i, r in summary.month_groups(maxed, months, unit_ids, dim, with_max=True):
            outs[whole[i][0]].setdefault(r["metric_id"], []).append(r)
    for ids, dims, spans in (
        (plain, ["metric_id", dim], edges),
        (maxed, ["metric_id", *dict.fromkeys([dim, "unit_id"])], edges),
    ):
        if not ids or not spans:
            continue
        for at, r in _by_part(ids, dims, [p for _at, p in spans], unit_ids, with_max=ids is maxed):
            outs[spans[at][0]].setdefault(r["metric_id"], []).append(r)
    return outs if isinstance(period, list) else outs[0]
