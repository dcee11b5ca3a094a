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
from dataclasses import replace
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


def _field(q: FigureQuery) -> str:
    """The unit column `unit_ids` restrict: the report's area, or with {"unit_field": "unit"} its handling unit."""
    return "unit_id" if q.filters.get("unit_field") == "unit" else "area_id"


def _by_unit(q: FigureQuery) -> dict[int, dict[str, int]]:
    """`_counts` for each unit of the cohort (its area, or its handling unit): one GROUP BY unit with the same
    conditional counts, read with the other periods the page asks. A group's counts (a street's, summed over its
    units) are the counts `_counts` gives for that group's units."""
    field = _field(q)

    def run(periods: list[Period]) -> list[dict[int, dict[str, int]]]:
        if len(periods) == 1:
            rows = (
                cohort(q)
                .order_by()
                .values(field)
                .annotate(
                    **{
                        k: Count("id", filter=cond) if cond is not None else Count("id")
                        for k, cond in _CONDITIONS.items()
                    }
                )
                .values_list(field, *_CONDITIONS)
            )
            return [{int(uid): _as_counts(values) for uid, *values in rows if uid is not None}]
        whole = Q()
        for p in periods:
            whole |= _received_between(p)
        names = [f"{k}{i}" for i in range(len(periods)) for k in _CONDITIONS]
        got = list(
            _cohort(q)
            .filter(whole)
            .order_by()
            .values(field)
            .annotate(
                **{
                    f"{k}{i}": Count(
                        "id", filter=_received_between(p) & cond if cond is not None else _received_between(p)
                    )
                    for i, p in enumerate(periods)
                    for k, cond in _CONDITIONS.items()
                }
            )
            .values_list(field, *names)
        )
        width = len(_CONDITIONS)
        return [
            {
                int(uid): _as_counts(values[i * width : (i + 1) * width])
                for uid, *values in got
                if uid is not None and values[i * width]
            }
            for i in range(len(periods))
        ]

    result: dict[int, dict[str, int]] = per_period("citizen.by_unit", q, run)
    return result


def _as_counts(values: Any) -> dict[str, int]:
    return dict(zip(_CONDITIONS, (int(v or 0) for v in values), strict=True))


def _members(q: FigureQuery, groups: dict[int, str]) -> dict[str, list[int]]:
    """Each group's units (within the query's units, as the query counted them), in the order of `groups`."""
    allowed = None if q.unit_ids is None else set(q.unit_ids)
    members: dict[str, list[int]] = {}
    for unit_id, key in groups.items():
        if allowed is None or unit_id in allowed:
            members.setdefault(key, []).append(unit_id)
    return members


def _grouped_rate(rows: Q | None, rows_key: str, num_key: str | None) -> Any:
    """The figure for groups of units (the figures by street of a district) from one GROUP BY unit (`_by_unit`):
    `rows` behind it, counted as `rows_key`, numerator `num_key` (None: the count itself, 受理量)."""

    def grouped(q: FigureQuery, groups: dict[int, str]) -> dict[str, Provided]:
        by_unit = _by_unit(q)
        out = {}
        for key, units in _members(q, groups).items():
            n = sum(by_unit[u][rows_key] for u in units if u in by_unit)
            if not n:
                continue
            value = Decimal(n) if num_key is None else rate(sum(by_unit[u][num_key] for u in units if u in by_unit), n)
            qs = cohort(replace(q, unit_ids=sorted(units))).order_by()
            out[key] = lazy(value, n, _loader(qs.filter(rows) if rows is not None else qs))
        return out

    return grouped


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

received_grouped = _grouped_rate(None, "n", None)
closure_rate_grouped = _grouped_rate(None, "n", "closed")
ontime_rate_grouped = _grouped_rate(CLOSED_Q, "closed", "closed_ontime")
satisfaction_rate_grouped = _grouped_rate(RATED_Q, "rated", "good")
callback_rate_grouped = _grouped_rate(CLOSED_Q, "closed", "closed_rated")


def _closed_rows(q: FigureQuery) -> list[tuple[Any, Any]]:
    """(received, closed) of the period's closed reports, read with the other periods the page asks (one query,
    shared with the rows by unit; each period's rows keep their order, so the sum below adds them as before)."""
    return [(received, closed) for _unit, received, closed in _closed_rows_by_unit(q)]


def _closed_rows_by_unit(q: FigureQuery) -> list[tuple[Any, Any, Any]]:
    """(unit, received, closed) of the period's closed reports (`_closed_rows` with the unit column: area, or the
    handling unit), read with the other periods the page asks (one query)."""
    field = _field(q)

    def run(periods: list[Period]) -> list[list[tuple[Any, Any, Any]]]:
        if len(periods) == 1:
            return [
                list(
                    cohort(q)
                    .order_by()
                    .filter(CLOSED_Q, closed_at__isnull=False)
                    .values_list(field, "submitted_at", "closed_at")
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
            .values_list(field, "submitted_at", "closed_at")
        )
        return [[r for r in rows if p.start <= timezone.localdate(r[1]) <= p.end] for p in periods]

    result: list[tuple[Any, Any, Any]] = per_period("citizen.closed_rows_by_unit", q, run)
    return result


def _mean_days(rows: list[tuple[Any, Any]], loader: Any) -> Provided:
    if not rows:
        return Provided(Decimal(0), [])
    total = sum((closed - submitted).total_seconds() for submitted, closed in rows) / 86400
    return lazy((Decimal(total) / len(rows)).quantize(Decimal("0.1")), len(rows), loader)


def avg_days_to_close(q: FigureQuery) -> Provided:
    qs = cohort(q).order_by().filter(CLOSED_Q, closed_at__isnull=False)
    return _mean_days(_closed_rows(q), _loader(qs))


def avg_days_to_close_grouped(q: FigureQuery, groups: dict[int, str]) -> dict[str, Provided]:
    """`avg_days_to_close` for groups of units from one query: each group's rows in the order read, summed as
    `avg_days_to_close` sums them."""
    members = _members(q, groups)
    key_of = {u: key for key, units in members.items() for u in units}
    rows: dict[str, list[tuple[Any, Any]]] = {}
    for unit_id, submitted, closed in _closed_rows_by_unit(q):
        key = key_of.get(unit_id)
        if key is not None:
            rows.setdefault(key, []).append((submitted, closed))
    out = {}
    for key, got in rows.items():
        qs = cohort(replace(q, unit_ids=sorted(members[key]))).order_by().filter(CLOSED_Q, closed_at__isnull=False)
        out[key] = _mean_days(got, _loader(qs))
    return out


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


GROUPED: dict[str, Any] = {
    # each figure for groups of units in one query (`Provider.grouped`: the figures by street of a district)
    "citizen_reports_received": received_grouped,
    "citizen_closure_rate": closure_rate_grouped,
    "citizen_ontime_rate": ontime_rate_grouped,
    "citizen_satisfaction_rate": satisfaction_rate_grouped,
    "citizen_callback_rate": callback_rate_grouped,
    "citizen_avg_days_to_close": avg_days_to_close_grouped,
}


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
                grouped=GROUPED[key],
            )
            for key, name, word, fn, is_rate, desc in METRICS
        ]
    )
