"""Case figures for the figures function (ledger.providers): 受理量, 办结率, 按时办结率, 满意率, 平均办理时长.

The cohort is the cases *received* (registered) in the period, cancelled ones left out, of the given units
(`unit_ids` restrict the responsible unit). Filter: {"kind": key} for one kind of case.

- cases_received 受理量 (件): cases received
- case_closure_rate 办结率 (%): closed / received
- case_ontime_rate 按时办结率 (%): closed on time (handled by the possibly extended deadline) / closed
- case_satisfaction_rate 满意率 (%): (satisfied + basically satisfied) / rated
- case_avg_days 平均办理时长 (天): mean working days from dispatch to closing, of closed cases
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from taizhang.cases.models import Case
from taizhang.cases.workdays import working_days_between
from taizhang.core.periods import Period
from taizhang.ledger.dashboard_prefetch import per_period
from taizhang.ledger.providers import (
    FigureQuery,
    Provided,
    Provider,
    lazy,
    rate,
    register,
)

S = Case.State
LINE = "civility"
SOURCE = "cases.case"
ROWS_URL = "cases:case_list"


def _bounds(q: FigureQuery) -> tuple[datetime.datetime, datetime.datetime]:
    """The period as a half-open range of aware datetimes (a plain range uses the index; `__date` would not)."""
    start = timezone.make_aware(datetime.datetime.combine(q.period.start, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(q.period.end + datetime.timedelta(days=1), datetime.time.min))
    return start, end


def cohort(q: FigureQuery) -> Any:
    return _cohort(q).filter(_within(q))


def _within(q: FigureQuery) -> Q:
    start, end = _bounds(q)
    return Q(created_at__gte=start, created_at__lt=end)


def _cohort(q: FigureQuery) -> Any:
    """The cohort's conditions but its period (several periods' cohorts are read together)."""
    qs = Case.objects.exclude(state=S.CANCELLED).order_by()
    if q.unit_ids is not None:
        qs = qs.filter(unit_id__in=q.unit_ids)
    if q.filters.get("kind"):
        qs = qs.filter(kind=q.filters["kind"])
    return qs


def _ids(qs: Any) -> Any:
    """The loader of the ids behind a figure: the query, run only when someone reads them."""
    return lambda: list(qs.values_list("id", flat=True))


GOOD = (Case.Satisfaction.SATISFIED, Case.Satisfaction.BASICALLY_SATISFIED)
_PARTS = {
    # metric: (the rows behind it, numerator) as aggregates over the cohort
    "received": (None, None),
    "closure": (None, Q(state=S.CLOSED)),
    "ontime": (Q(state=S.CLOSED), Q(state=S.CLOSED, closed_on_time=True)),
    "satisfaction": (Q(satisfaction__isnull=False), Q(satisfaction__in=GOOD)),
}


def _answer(kind: str, n: int, k: int, loader: Any) -> Provided:
    value = Decimal(n) if kind == "received" else rate(k, n)
    return lazy(value, n, loader)


Counts = dict[str, tuple[int, int]]


_COUNTED = {
    # the distinct conditional counts behind the simple figures (each evaluated once per row)
    "all": None,
    "closed": Q(state=S.CLOSED),
    "closed_on_time": Q(state=S.CLOSED, closed_on_time=True),
    "rated": Q(satisfaction__isnull=False),
    "good": Q(satisfaction__in=GOOD),
}
_KINDS = {
    "received": ("all", "all"),
    "closure": ("all", "closed"),
    "ontime": ("closed", "closed_on_time"),
    "satisfaction": ("rated", "good"),
}
"""Each figure of _PARTS as (rows, numerator) among _COUNTED."""


def _aggregates() -> dict[str, Any]:
    """The conditional counts (COUNT(unit_id) FILTER …) of _COUNTED: of unit_id (never null), not id, so that the
    figures index (unit, created_at, state, closed_on_time, satisfaction) answers without reading the table."""
    return {
        name: Count("unit_id", filter=cond) if cond is not None else Count("unit_id") for name, cond in _COUNTED.items()
    }


def _by_unit(q: FigureQuery) -> dict[int, Counts]:
    """Every simple figure's (rows, numerator) for each unit of the cohort: one GROUP BY unit with conditional
    counts. The scope's figures are the sums of these rows (rates are summed as numerator and denominator, never
    as rates), its figures by street the sums over each street's units: 受理量, 办结率, 按时办结率 and 满意率, in
    total and by unit, from this one query within a page of figures (providers.memoized), for this period and
    the others the page asks (`ledger.dashboard_prefetch`: one FILTER per period and condition)."""

    def run(periods: list[Period]) -> list[dict[int, Counts]]:
        if len(periods) == 1:
            rows = cohort(q).values("unit_id").annotate(**_aggregates()).values_list("unit_id", *_COUNTED)
            return [_unit_counts((unit_id, values) for unit_id, *values in rows)]
        whole = Q()
        for p in periods:
            whole |= _within(replace(q, period=p))
        names = [f"{name}{i}" for i in range(len(periods)) for name in _COUNTED]
        aggregates = {
            f"{name}{i}": Count("unit_id", filter=_within(replace(q, period=p)) & cond)
            if cond is not None
            else Count("unit_id", filter=_within(replace(q, period=p)))
            for i, p in enumerate(periods)
            for name, cond in _COUNTED.items()
        }
        rows = list(_cohort(q).filter(whole).values("unit_id").annotate(**aggregates).values_list("unit_id", *names))
        width = len(_COUNTED)
        return [
            _unit_counts(
                (unit_id, values[i * width : (i + 1) * width]) for unit_id, *values in rows if values[i * width]
            )
            for i in range(len(periods))
        ]

    result: dict[int, Counts] = per_period("cases.by_unit", q, run)
    return result


def _unit_counts(rows: Iterable[tuple[Any, Any]]) -> dict[int, Counts]:
    out: dict[int, Counts] = {}
    for unit_id, values in rows:
        got = dict(zip(_COUNTED, (int(v or 0) for v in values), strict=True))
        out[int(unit_id)] = {kind: (got[n], got[k]) for kind, (n, k) in _KINDS.items()}
    return out


def _summed(units: Iterable[Counts]) -> Counts:
    out = dict.fromkeys(_PARTS, (0, 0))
    for counts in units:
        for kind, (n, k) in counts.items():
            held = out[kind]
            out[kind] = (held[0] + n, held[1] + k)
    return out


def _all_counts(q: FigureQuery) -> Counts:
    """(rows, numerator) of every simple figure of the whole cohort: the sum of its units' rows."""
    return _summed(_by_unit(q).values())


def _simple(kind: str) -> Any:
    def compute(q: FigureQuery) -> Provided:
        qs = cohort(q)
        rows = _PARTS[kind][0]
        n, k = _all_counts(q)[kind]
        return _answer(kind, n, k, _ids(qs.filter(rows) if rows is not None else qs))

    compute.__name__ = kind
    return compute


def _unit_ids_loader(q: FigureQuery, rows: Q | None, units: list[int]) -> Any:
    """The ids behind a group's figure, its query built only when they are read (a page builds many, opens few)."""

    def load() -> list[int]:
        qs = cohort(q).filter(unit_id__in=units)
        return list((qs.filter(rows) if rows is not None else qs).values_list("id", flat=True))

    return load


def _grouped(kind: str) -> Any:
    """The same figure for groups of units (the figure by street of a district) from the same GROUP BY unit."""

    def grouped(q: FigureQuery, groups: dict[int, str]) -> dict[str, Provided]:
        rows = _PARTS[kind][0]
        members: dict[str, list[int]] = {}
        for unit_id, key in groups.items():
            members.setdefault(key, []).append(unit_id)
        by_unit = _by_unit(q)
        out = {}
        for key, units in members.items():
            n, k = _summed(by_unit[u] for u in units if u in by_unit)[kind]
            if n:
                out[key] = _answer(kind, n, k, _unit_ids_loader(q, rows, sorted(units)))
        return out

    grouped.__name__ = f"{kind}_grouped"
    return grouped


received = _simple("received")
closure_rate = _simple("closure")
ontime_rate = _simple("ontime")
satisfaction_rate = _simple("satisfaction")


def _closed_rows(q: FigureQuery) -> list[tuple[Any, Any, Any]]:
    """The dates of the cohort's closed cases, read with the other periods the page asks (one query)."""

    def run(periods: list[Period]) -> list[list[tuple[Any, Any, Any]]]:
        whole = Q()
        for p in periods:
            whole |= _within(replace(q, period=p))
        rows = list(_cohort(q).filter(whole, state=S.CLOSED).values_list("dispatched_at", "created_at", "closed_at"))
        out = []
        for p in periods:
            start, end = _bounds(replace(q, period=p))
            out.append([r for r in rows if start <= r[1] < end])
        return out

    result: list[tuple[Any, Any, Any]] = per_period("cases.closed_rows", q, run)
    return result


def avg_days(q: FigureQuery) -> Provided:
    """Working days need the calendar (holidays, 调休 days): every closed case's dates are read, not their ids."""
    qs = cohort(q).filter(state=S.CLOSED)
    rows = _closed_rows(q)
    if not rows:
        return Provided(Decimal(0), [])
    total = 0
    for dispatched, created, closed in rows:
        start = timezone.localdate(dispatched or created)
        total += max(0, working_days_between(start, timezone.localdate(closed)))
    value = (Decimal(total) / Decimal(len(rows))).quantize(Decimal("0.1"))
    return lazy(value, len(rows), _ids(qs))


PROVIDERS = [
    Provider(
        metric="cases_received",
        name="受理量",
        measure_word="件",
        line=LINE,
        source=SOURCE,
        compute=received,
        rows_url=ROWS_URL,
        grouped=_grouped("received"),
        description="期间登记的工单数（不含已撤销）",
    ),
    Provider(
        metric="case_closure_rate",
        name="办结率",
        measure_word="%",
        line=LINE,
        source=SOURCE,
        compute=closure_rate,
        rows_url=ROWS_URL,
        is_rate=True,
        grouped=_grouped("closure"),
        description="期间登记的工单中已办结的比例（不含已撤销）",
    ),
    Provider(
        metric="case_ontime_rate",
        name="按时办结率",
        measure_word="%",
        line=LINE,
        source=SOURCE,
        compute=ontime_rate,
        rows_url=ROWS_URL,
        is_rate=True,
        grouped=_grouped("ontime"),
        description="已办结工单中，在办理期限（含批准的延期）内办理完毕的比例",
    ),
    Provider(
        metric="case_satisfaction_rate",
        name="满意率",
        measure_word="%",
        line=LINE,
        source=SOURCE,
        compute=satisfaction_rate,
        rows_url=ROWS_URL,
        is_rate=True,
        grouped=_grouped("satisfaction"),
        description="已评价工单中评价为满意或基本满意的比例",
    ),
    Provider(
        metric="case_avg_days",
        name="平均办理时长",
        measure_word="天",
        line=LINE,
        source=SOURCE,
        compute=avg_days,
        rows_url=ROWS_URL,
        description="已办结工单从派发到办结的平均工作日数（法定节假日不计，调休上班日计入）",
    ),
]


def register_all() -> None:
    register(*PROVIDERS)
