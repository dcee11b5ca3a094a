"""Event filing figures as computed metrics: the seeds' "上半年依规备案*次" comes from here."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from taizhang.filings.models import EventFiling, UnfiledEvent
from taizhang.ledger.providers import FigureQuery, Provided, Provider, lazy, memo_key, memoized, rate, register

FILED = (EventFiling.State.HOST, EventFiling.State.SUPERVISOR, EventFiling.State.DEPARTMENT,
         EventFiling.State.APPROVED, EventFiling.State.HELD)


def _bounds(query: FigureQuery) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(query.period.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(query.period.end, datetime.time.max, tzinfo=tz)
    return start, end


def _filed(query: FigureQuery) -> QuerySet[EventFiling]:
    qs = EventFiling.objects.filter(state__in=FILED, starts_at__range=_bounds(query))
    if query.unit_ids is not None:
        qs = qs.filter(unit_id__in=query.unit_ids)
    kind = query.filters.get("kind")
    return qs.filter(kind=kind) if kind else qs


def _counted(qs: Any) -> Provided:
    """A count by one aggregate; the ids listed only when read (opened, pinned in a document)."""
    qs = qs.order_by()
    n = qs.count()
    return lazy(Decimal(n), n, lambda: list(qs.values_list("id", flat=True)))


def _filed_counts(query: FigureQuery) -> dict[str, int]:
    """Filed events, those filed in time and those held: one aggregate, shared by 依规备案, 按时备案率 and 备案活动举办
    within a page of figures (providers.memoized)."""

    def run() -> dict[str, int]:
        got = _filed(query).order_by().aggregate(
            n=Count("id"), ok=Count("id", filter=Q(filed_in_time=True)),
            held=Count("id", filter=Q(state=EventFiling.State.HELD)))
        return {k: int(v or 0) for k, v in got.items()}

    result: dict[str, int] = memoized(memo_key("filings.filed", query), run)
    return result


def _ids(query: FigureQuery, held: bool = False) -> Any:
    """The ids behind a figure, listed (and their query built) only when read."""

    def load() -> list[int]:
        qs = _filed(query).order_by()
        return list((qs.filter(state=EventFiling.State.HELD) if held else qs).values_list("id", flat=True))

    return load


def filed(query: FigureQuery) -> Provided:
    n = _filed_counts(query)["n"]
    return lazy(Decimal(n), n, _ids(query))


def on_time(query: FigureQuery) -> Provided:
    counts = _filed_counts(query)
    return lazy(rate(counts["ok"], counts["n"]), counts["n"], _ids(query))


def held(query: FigureQuery) -> Provided:
    n = _filed_counts(query)["held"]
    return lazy(Decimal(n), n, _ids(query, held=True))


def unfiled(query: FigureQuery) -> Provided:
    qs: Any = UnfiledEvent.objects.filter(held_on__range=(query.period.start, query.period.end))
    if query.unit_ids is not None:
        qs = qs.filter(unit_id__in=query.unit_ids)
    return _counted(qs)


def register_all() -> None:
    line = "ideology"
    register(
        Provider("filings_count", "依规备案", "次", line, "filings.eventfiling", filed, "filings:filing_list",
                 "举办日期在期内、已提交备案（未取消）的论坛、讲座、研讨会、报告会、读书会、沙龙；可按活动类型筛选"),
        Provider("filings_on_time_rate", "按时备案率", "%", line, "filings.eventfiling", on_time,
                 "filings:filing_list", "首次提交时在规定提前期（工作日）内报备的比例", is_rate=True),
        Provider("filings_held", "备案活动举办", "场", line, "filings.eventfiling", held, "filings:filing_list",
                 "已备案并登记举办情况的活动"),
        Provider("events_unfiled", "未备案活动", "场", line, "filings.unfiledevent", unfiled,
                 "filings:unfiled_list", "期内发现的未按规定备案即举办的活动"),
    )
