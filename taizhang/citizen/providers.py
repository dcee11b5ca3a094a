"""Computed figures of 随手拍 (ledger.providers): received, 办结率, 按时办结率, 满意率, 回访率, days to close.

The cohort is the reports *received* in the period (merged duplicates left out: they are one problem), in the
given units' areas (`unit_ids` restrict the report's area, i.e. the street where the problem is; with
filters {"unit_field": "unit"} they restrict the handling unit instead). Filters: "category" (key),
"channel" (web, open311, import, phone), "unit_field".

- citizen_reports_received: reports received (件)
- citizen_closure_rate 办结率: closed (办结, answered directly or not taken up with a reason) / received
- citizen_ontime_rate 按时办结率: closed by the deadline / closed
- citizen_satisfaction_rate 满意率: (满意 + 基本满意) / rated
- citizen_callback_rate 回访率: rated / closed (closed reports whose reporter gave a rating)
- citizen_avg_days_to_close 平均办结天数: mean days from receipt to closing, of closed reports
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from taizhang.core.periods import Period
from taizhang.ledger.dashboard_prefetch import per_period
from taizhang.ledger.providers import FigureQuery, Provided, Provider, lazy, rate, register

from .models import Report

S = Report.Status
CLOSED = (S.CLOSED, S.ANSWERED, S.REJECTED)
R = Report.Rating


def cohort(q: FigureQuery) -> Any:
    return _cohort(q).filter(_received_in(q.period))


def _cohort(q: FigureQuery) -> Any:
    """The cohort's conditions but its period (several periods' cohorts are counted together)."""
    qs = Report.objects.exclude(status=S.MERGED)
    field = "unit" if q.filters.get("unit_field") == "unit" else "area"
    if q.unit_ids is not None:
        qs = qs.filter(**{f"{field}_id__in": q.unit_ids})
    if q.filters.get("category"):
        qs = qs.filter(category__key=q.filters["category"])
    if q.filters.get("channel"):
        qs = qs.filter(channel=q.filters["channel"])
    return qs


def _loader(qs: Any) -> Any:
    """The ids behind a figure: the query, run only when someone reads them (opens the reports, pins a document)."""
    return lambda: list(qs.order_by().values_list("id", flat=True))


CLOSED_Q = Q(status__in=CLOSED)
GOOD = (R.SATISFIED, R.BASICALLY)
# Django stores "no rating" as "" (blank CharField) or NULL: both are "not rated", as `if r[3]` was.
RATED_Q = Q(rating__isnull=False) & ~Q(rating="")


_CONDITIONS: dict[str, Q | None] = {
    "n": None,
    "closed": CLOSED_Q,
    "closed_ontime": CLOSED_Q & Q(closed_on_time=True),
    "rated": RATED_Q,
    "good": RATED_Q & Q(rating__in=GOOD),
    "closed_rated": CLOSED_Q & RATED_Q,
}


def _received_in(period: Period) -> Q:
    return Q(submitted_at__date__gte=period.start, submitted_at__date__lte=period.end)


def _received_between(period: Period) -> Q:
    """The same reports as `_received_in` (received on a local day of the period), as a range of aware datetimes:
    no date conversion per row (on SQLite a Python function) when several periods are counted in one query."""
    start = timezone.make_aware(datetime.datetime.combine(period.start, datetime.time.min))
    end = timezone.make_aware(datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min))
    return Q(submitted_at__gte=start, submitted_at__lt=end)


def _counts(q: FigureQuery) -> dict[str, int]:
    """Every count the rates need, in one aggregate of the cohort, shared by the rates of one page of figures and
    read with the other periods the page asks (`ledger.dashboard_prefetch`: one FILTER per period)."""

    def run(periods: list[Period]) -> list[dict[str, int]]:
        if len(periods) == 1:
            got = (
                cohort(q)
                .order_by()
                .aggregate(
                    **{
                        k: Count("id", filter=cond) if cond is not None else Count("id")
                        for k, cond in _CONDITIONS.items()
                    }
                )
            )
            return [{k: int(v or 0) for k, v in got.items()}]
        whole = Q()
        for p in periods:
            whole |= _received_between(p)
        got = (
            _cohort(q)
            .filter(whole)
            .order_by()
            .aggregate(
                **{
                    f"{k}{i}": Count(
                        "id", filter=_received_between(p) & cond if cond is not None else _received_between(p)
                    )
                    for i, p in enumerate(periods)
                    for k, cond in _CONDITIONS.items()
                }
            )
        )
        return [{k: int(got[f"{k}{i}"] or 0) for k in _CONDITIONS} for i in range(len(periods))]

    result: dict[str, int] = per_period("citizen.cohort", q, run)
    return result


def _rate(rows: Q | None, rows_key: str, num_key: str) -> Any:
    """A rate of the cohort: `rows` behind it (None: the whole cohort), counted as `rows_key`, numerator `num_key`."""

    def compute(q: FigureQuery) -> Provided:
        qs = cohort(q).order_by()
        qs = qs.filter(rows) if rows is not None else qs
        counts = _counts(q)
        n = counts[rows_key]
        return lazy(rate(counts[num_key], n), n, _loader(qs))

    return compute


def received(q: FigureQuery) -> Provided:
    qs = cohort(q).order_by()
    n = _counts(q)["n"]
    return lazy(Decimal(n), n, _loader(qs))


closure_rate = _rate(None, "n", "closed")
ontime_rate = _rate(CLOSED_Q, "closed", "closed_ontime")
satisfaction_rate = _rate(RATED_Q, "rated", "good")
callback_rate = _rate(CLOSED_Q, "closed", "closed_rated")


def _closed_rows(q: FigureQuery) -> list[tuple[Any, Any]]:
    """(received, closed) of the period's closed reports, read with the other periods the page asks (one query;
    each period's rows keep their order, so the sum below adds them as before)."""

    def run(periods: list[Period]) -> list[list[tuple[Any, Any]]]:
        if len(periods) == 1:
            return [
                list(
                    cohort(q)
                    .order_by()
                    .filter(CLOSED_Q, closed_at__isnull=False)
                    .values_list("submitted_at", "closed_at")
                )
            ]
        whole = Q()
        for p in periods:
            whole |= _received_between(p)
        rows = list(
            _cohort(q)
            .filter(whole)
            .order_by()
            .filter(CLOSED_Q, closed_at__isnull=False)
            .values_list("submitted_at", "closed_at")
        )
        return [[r for r in rows if p.start <= timezone.localdate(r[0]) <= p.end] for p in periods]

    result: list[tuple[Any, Any]] = per_period("citizen.closed_rows", q, run)
    return result


def avg_days_to_close(q: FigureQuery) -> Provided:
    qs = cohort(q).order_by().filter(CLOSED_Q, closed_at__isnull=False)
    rows = _closed_rows(q)
    if not rows:
        return Provided(Decimal(0), [])
    total = sum((closed - submitted).total_seconds() for submitted, closed in rows) / 86400
    return lazy((Decimal(total) / len(rows)).quantize(Decimal("0.1")), len(rows), _loader(qs))


METRICS: list[tuple[str, str, str, Any, bool, str]] = [
    (
        "citizen_reports_received",
        "随手拍受理量",
        "件",
        received,
        False,
        "期间内收到的随手拍报告数（合并的重复报告不计）",
    ),
    (
        "citizen_closure_rate",
        "随手拍办结率",
        "%",
        closure_rate,
        True,
        "办结（含直接答复、不予受理并说明理由）数 ÷ 收到数",
    ),
    ("citizen_ontime_rate", "随手拍按时办结率", "%", ontime_rate, True, "期限内办结数 ÷ 办结数"),
    ("citizen_satisfaction_rate", "随手拍满意率", "%", satisfaction_rate, True, "（满意 + 基本满意）÷ 作出评价数"),
    ("citizen_callback_rate", "随手拍回访率", "%", callback_rate, True, "作出评价的办结报告数 ÷ 办结数"),
    # A mean is never summed across units or months either: marked is_rate so compute never adds it up.
    (
        "citizen_avg_days_to_close",
        "随手拍平均办结天数",
        "天",
        avg_days_to_close,
        True,
        "办结报告从收到到办结的平均天数",
    ),
]


def register_all() -> None:
    register(
        *[
            Provider(
                metric=key,
                name=name,
                measure_word=word,
                line="civility",
                source="citizen.report",
                compute=fn,
                rows_url="citizen:report_list",
                description=desc,
                is_rate=is_rate,
            )
            for key, name, word, fn, is_rate, desc in METRICS
        ]
    )
