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

from django.utils import timezone

from taizhang.cases.models import Case
from taizhang.cases.workdays import working_days_between
from taizhang.ledger.providers import FigureQuery, Provided, Provider, rate, register

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


def received(q: FigureQuery) -> Provided:
    ids = list(cohort(q).values_list("id", flat=True))
    return Provided(Decimal(len(ids)), ids)


def closure_rate(q: FigureQuery) -> Provided:
    qs = cohort(q)
    ids = list(qs.values_list("id", flat=True))
    closed = qs.filter(state=S.CLOSED).count() if ids else 0
    return Provided(rate(closed, len(ids)), ids)


def ontime_rate(q: FigureQuery) -> Provided:
    rows = list(cohort(q).filter(state=S.CLOSED).values_list("id", "closed_on_time"))
    ontime = sum(1 for _id, ok in rows if ok)
    return Provided(rate(ontime, len(rows)), [r[0] for r in rows])


def satisfaction_rate(q: FigureQuery) -> Provided:
    rows = list(cohort(q).exclude(satisfaction=None).values_list("id", "satisfaction"))
    good = sum(1 for _id, s in rows if s in (Case.Satisfaction.SATISFIED, Case.Satisfaction.BASICALLY_SATISFIED))
    return Provided(rate(good, len(rows)), [r[0] for r in rows])


def avg_days(q: FigureQuery) -> Provided:
    rows = list(cohort(q).filter(state=S.CLOSED).values_list("id", "dispatched_at", "created_at", "closed_at"))
    if not rows:
        return Provided(Decimal(0), [])
    total = 0
    for _id, dispatched, created, closed in rows:
        start = timezone.localdate(dispatched or created)
        total += max(0, working_days_between(start, timezone.localdate(closed)))
    value = (Decimal(total) / Decimal(len(rows))).quantize(Decimal("0.1"))
    return Provided(value, [r[0] for r in rows])


PROVIDERS = [
    Provider(metric="cases_received", name="受理量", measure_word="件", line=LINE, source=SOURCE, compute=received,
             rows_url=ROWS_URL, description="期间登记的工单数（不含已撤销）"),
    Provider(metric="case_closure_rate", name="办结率", measure_word="%", line=LINE, source=SOURCE,
             compute=closure_rate, rows_url=ROWS_URL, is_rate=True,
             description="期间登记的工单中已办结的比例（不含已撤销）"),
    Provider(metric="case_ontime_rate", name="按时办结率", measure_word="%", line=LINE, source=SOURCE,
             compute=ontime_rate, rows_url=ROWS_URL, is_rate=True,
             description="已办结工单中，在办理期限（含批准的延期）内办理完毕的比例"),
    Provider(metric="case_satisfaction_rate", name="满意率", measure_word="%", line=LINE, source=SOURCE,
             compute=satisfaction_rate, rows_url=ROWS_URL, is_rate=True,
             description="已评价工单中评价为满意或基本满意的比例"),
    Provider(metric="case_avg_days", name="平均办理时长", measure_word="天", line=LINE, source=SOURCE,
             compute=avg_days, rows_url=ROWS_URL,
             description="已办结工单从派发到办结的平均工作日数（法定节假日不计，调休上班日计入）"),
]


def register_all() -> None:
    register(*PROVIDERS)
