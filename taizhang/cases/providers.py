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
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from taizhang.cases.models import Case
from taizhang.cases.workdays import working_days_between
from taizhang.ledger.providers import (
    FigureQuery,
    Provided,
    Provider,
    lazy,
    memo_key,
    memoized,
    rate,
    register,
    sum_groups,
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
    start, end = _bounds(q)
    qs = Case.objects.filter(created_at__gte=start, created_at__lt=end).exclude(state=S.CANCELLED).order_by()
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


def _all_counts(q: FigureQuery) -> dict[str, tuple[int, int]]:
    """(rows, numerator) of every simple figure of the cohort in one aggregate, shared by 受理量, 办结率, 按时办结率
    and 满意率 within a page of figures (providers.memoized)."""

    def run() -> dict[str, tuple[int, int]]:
        agg: dict[str, Any] = {}
        for kind, (rows, num) in _PARTS.items():
            agg[f"{kind}_n"] = Count("id", filter=rows) if rows is not None else Count("id")
            both = rows & num if rows is not None and num is not None else (num if num is not None else rows)
            agg[f"{kind}_k"] = Count("id", filter=both) if both is not None else Count("id")
        got = cohort(q).aggregate(**agg)
        return {kind: (int(got[f"{kind}_n"] or 0), int(got[f"{kind}_k"] or 0)) for kind in _PARTS}

    result: dict[str, tuple[int, int]] = memoized(memo_key("cases.cohort", q), run)
    return result


def _simple(kind: str) -> Any:
    def compute(q: FigureQuery) -> Provided:
        qs = cohort(q)
        rows = _PARTS[kind][0]
        n, k = _all_counts(q)[kind]
        return _answer(kind, n, k, _ids(qs.filter(rows) if rows is not None else qs))

    compute.__name__ = kind
    return compute


def _grouped(kind: str) -> Any:
    """The same figure for groups of units in one GROUP BY unit (the figure by street of a district)."""

    def grouped(q: FigureQuery, groups: dict[int, str]) -> dict[str, Provided]:
        rows, num = _PARTS[kind]
        qs = cohort(q)
        qs = qs.filter(rows) if rows is not None else qs
        agg = {"n": Count("id"), "k": Count("id", filter=num) if num is not None else Count("id")}
        summed = sum_groups(qs.values("unit_id").annotate(**agg).values_list("unit_id", "n", "k"), groups)
        out = {}
        for key, (n, k) in summed.items():
            units = sorted(uid for uid, g in groups.items() if g == key)
            out[key] = _answer(kind, n, k, _ids(qs.filter(unit_id__in=units)))
        return out

    grouped.__name__ = f"{kind}_grouped"
    return grouped


received = _simple("received")
closure_rate = _simple("closure")
ontime_rate = _simple("ontime")
satisfaction_rate = _simple("satisfaction")


def avg_days(q: FigureQuery) -> Provided:
    """Working days need the calendar (holidays, 调休 days): every closed case's dates are read, not their ids."""
    qs = cohort(q).filter(state=S.CLOSED)
    rows = list(qs.values_list("dispatched_at", "created_at", "closed_at"))
    if not rows:
        return Provided(Decimal(0), [])
    total = 0
    for dispatched, created, closed in rows:
        start = timezone.localdate(dispatched or created)
        total += max(0, working_days_between(start, timezone.localdate(closed)))
    value = (Decimal(total) / Decimal(len(rows))).quantize(Decimal("0.1"))
    return lazy(value, len(rows), _ids(qs))


PROVIDERS = [
    Provider(metric="cases_received", name="受理量", measure_word="件", line=LINE, source=SOURCE, compute=received,
             rows_url=ROWS_URL, grouped=_grouped("received"), description="期间登记的工单数（不含已撤销）"),
    Provider(metric="case_closure_rate", name="办结率", measure_word="%", line=LINE, source=SOURCE,
             compute=closure_rate, rows_url=ROWS_URL, is_rate=True, grouped=_grouped("closure"),
             description="期间登记的工单中已办结的比例（不含已撤销）"),
    Provider(metric="case_ontime_rate", name="按时办结率", measure_word="%", line=LINE, source=SOURCE,
             compute=ontime_rate, rows_url=ROWS_URL, is_rate=True, grouped=_grouped("ontime"),
             description="已办结工单中，在办理期限（含批准的延期）内办理完毕的比例"),
    Provider(metric="case_satisfaction_rate", name="满意率", measure_word="%", line=LINE, source=SOURCE,
             compute=satisfaction_rate, rows_url=ROWS_URL, is_rate=True,
             grouped=_grouped("satisfaction"),
             description="已评价工单中评价为满意或基本满意的比例"),
    Provider(metric="case_avg_days", name="平均办理时长", measure_word="天", line=LINE, source=SOURCE,
             compute=avg_days, rows_url=ROWS_URL,
             description="已办结工单从派发到办结的平均工作日数（法定节假日不计，调休上班日计入）"),
]


def register_all() -> None:
    register(*PROVIDERS)
