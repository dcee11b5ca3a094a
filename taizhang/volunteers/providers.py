"""Volunteer figures as computed metrics (taizhang.ledger.providers), so dashboards, targets and summaries take them
from `ledger.figures.compute` like every other figure. Each returns the ids of the rows behind the value.

Filters understood by the hour and activity figures: ``team`` (a team id) and ``team_kind`` (team / centre / post /
station).
"""

from __future__ import annotations

import datetime
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from taizhang.core.periods import Period
from taizhang.ledger.dashboard_prefetch import any_of, one_row, per_period, within
from taizhang.ledger.providers import FigureQuery, Provided, Provider, lazy, rate, register
from taizhang.volunteers.models import Activity, Certificate, HourRecord, ServiceOrder, Team, Volunteer

LINE = "volunteers"


def _units(qs: QuerySet[Any], q: FigureQuery, field: str) -> QuerySet[Any]:
    return qs if q.unit_ids is None else qs.filter(**{f"{field}__in": q.unit_ids})


def _end(q: FigureQuery) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(q.period.end, datetime.time.max))


def _start(q: FigureQuery) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(q.period.start, datetime.time.min))


def _team_filters(qs: QuerySet[Any], q: FigureQuery, prefix: str) -> QuerySet[Any]:
    if q.filters.get("team"):
        qs = qs.filter(**{f"{prefix}team_id": int(q.filters["team"])})
    if q.filters.get("team_kind"):
        qs = qs.filter(**{f"{prefix}team__kind": str(q.filters["team_kind"])})
    return qs


def _ids(qs: QuerySet[Any]) -> list[int]:
    """The primary keys, as raw tuples from the cursor (no model or converter overhead on a million rows)."""
    sql, params = qs.order_by().values_list("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _confirmed(q: FigureQuery) -> QuerySet[HourRecord]:
    """The confirmed hours of the query's units and team filters, any day."""
    return _team_filters(_units(HourRecord.objects.filter(status=HourRecord.Status.CONFIRMED), q, "unit"), q, "")


def confirmed_hours(q: FigureQuery) -> QuerySet[HourRecord]:
    return _confirmed(q).filter(day__gte=q.period.start, day__lte=q.period.end)


def hours_grouped(q: FigureQuery, *fields: str) -> list[dict[str, Any]]:
    """The rows of `volunteer_hours` summed by `fields` (one GROUP BY: for tables by team or kind of organiser)."""
    return list(confirmed_hours(q).values(*fields).annotate(total=Sum("hours")).order_by("-total"))


def _hours_value(total: Any) -> Decimal:
    return Decimal(total or 0).quantize(Decimal("0.1"))


def _hour_totals(q: FigureQuery) -> tuple[Any, int]:
    """The sum and the number of the confirmed hours of `q`, and of the other periods the page asks
    (`dashboard_prefetch.asking`, e.g. the overview's months): one statement, one FILTER per period."""

    def run(periods: list[Period]) -> list[tuple[Any, int]]:
        if len(periods) == 1:  # the query's period alone: the plain aggregate, as before
            got = confirmed_hours(q).order_by().aggregate(t=Sum("hours"), n=Count("id"))
            return [(got["t"], int(got["n"] or 0))]
        base = _confirmed(q)
        aggregates: dict[str, Any] = {}
        for i, p in enumerate(periods):
            aggregates[f"t{i}"] = Sum("hours", filter=within(p, "day"))
            aggregates[f"n{i}"] = Count("id", filter=within(p, "day"))
        got = base.filter(any_of(periods, "day")).order_by().aggregate(**aggregates)
        return [(got[f"t{i}"], int(got[f"n{i}"] or 0)) for i in range(len(periods))]

    result: tuple[Any, int] = per_period("volunteers.hours", q, run)
    return result


def hours(q: FigureQuery) -> Provided:
    qs = confirmed_hours(q).order_by()
    total, n = _hour_totals(q)
    return lazy(_hours_value(total), n, lambda: _ids(qs))


def hour_ids_by_unit(q: FigureQuery) -> dict[int, list[int]]:
    """The ids behind `volunteer_hours` for `q`, by unit, in one query (each unit's ids ascending): what the
    loaders of a breakdown by unit list one query per child (the overview links every child's hours)."""
    sql, params = confirmed_hours(q).order_by("id").values_list("unit_id", "id").query.sql_with_params()
    out: dict[int, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for unit_id, pk in cursor.fetchall():
            out.setdefault(unit_id, []).append(pk)
    return out


def hours_by_group(q: FigureQuery, groups: dict[int, str]) -> dict[str, Provided]:
    """Hours for groups of units (a district by street) in one GROUP BY unit."""
    qs = confirmed_hours(q).order_by()
    totals: dict[str, list[Any]] = {}
    for unit_id, total, n in (
        qs.values("unit_id").annotate(t=Sum("hours"), n=Count("id")).values_list("unit_id", "t", "n")
    ):
        key = groups.get(unit_id)
        if key is not None:
            held = totals.setdefault(key, [Decimal(0), 0])
            held[0] += Decimal(total or 0)
            held[1] += int(n or 0)
    out = {}
    for key, (total, n) in totals.items():
        units = sorted(uid for uid, g in groups.items() if g == key)
        out[key] = lazy(_hours_value(total), n, lambda units=units: _ids(qs.filter(unit_id__in=units)))  # type: ignore[misc]
    return out


def _registered(q: FigureQuery) -> QuerySet[Any]:
    return _units(Volunteer.objects.filter(created_at__lte=_end(q), status=Volunteer.Status.ACTIVE), q, "unit")


def _activities(q: FigureQuery) -> QuerySet[Any]:
    qs = Activity.objects.filter(
        starts_at__gte=_start(q), starts_at__lte=_end(q), status__in=(Activity.Status.PUBLISHED, Activity.Status.CLOSED)
    )
    return _team_filters(_units(qs, q, "team__unit"), q, "")


def _teams(q: FigureQuery) -> QuerySet[Any]:
    return _units(Team.objects.filter(is_active=True, kind=Team.Kind.TEAM, created_at__lte=_end(q)), q, "unit")


def _certificates(q: FigureQuery) -> QuerySet[Any]:
    qs = Certificate.objects.filter(revoked=False, issued_on__gte=q.period.start, issued_on__lte=q.period.end)
    return _units(qs, q, "unit")


def _orders(q: FigureQuery) -> QuerySet[ServiceOrder]:
    qs = ServiceOrder.objects.filter(created_at__gte=_start(q), created_at__lte=_end(q)).exclude(
        state=ServiceOrder.State.CANCELLED
    )
    return _units(qs, q, "unit")


def _rated(q: FigureQuery) -> QuerySet[ServiceOrder]:
    return _orders(q).filter(rating__isnull=False).order_by()


def _counts(q: FigureQuery) -> dict[str, int]:
    """The counts behind every figure but the hours (a sum: its own query, as before), for this period and the
    others the page asks (`dashboard_prefetch`): one statement over the six tables, one FILTER per period."""

    def run(periods: list[Period]) -> list[dict[str, int]]:
        qs = [replace(q, period=p) for p in periods]
        whole = replace(q, period=Period(min(p.start for p in periods), max(p.end for p in periods), "", "range"))
        parts = [
            (
                _registered(whole),
                {f"registered{i}": Count("id", filter=Q(created_at__lte=_end(x))) for i, x in enumerate(qs)},
            ),
            (
                _team_filters(
                    _units(HourRecord.objects.filter(status=HourRecord.Status.CONFIRMED), q, "unit"), q, ""
                ).filter(any_of(periods, "day")),
                {
                    f"active{i}": Count("volunteer_id", distinct=True, filter=within(p, "day"))
                    for i, p in enumerate(periods)
                },
            ),
            (
                _activities(whole).filter(_any_moment(qs, "starts_at")),
                {
                    f"activities{i}": Count("id", filter=Q(starts_at__gte=_start(x), starts_at__lte=_end(x)))
                    for i, x in enumerate(qs)
                },
            ),
            (_teams(whole), {f"teams{i}": Count("id", filter=Q(created_at__lte=_end(x))) for i, x in enumerate(qs)}),
            (
                _certificates(whole).filter(any_of(periods, "issued_on")),
                {f"certificates{i}": Count("id", filter=within(p, "issued_on")) for i, p in enumerate(periods)},
            ),
            (
                _orders(whole).filter(_any_moment(qs, "created_at")),
                {
                    name: agg
                    for i, x in enumerate(qs)
                    for name, agg in (
                        (f"orders{i}", Count("id", filter=_moment(x, "created_at"))),
                        (f"rated{i}", Count("id", filter=_moment(x, "created_at") & Q(rating__isnull=False))),
                        (f"good{i}", Count("id", filter=_moment(x, "created_at") & Q(rating__gte=4))),
                    )
                },
            ),
        ]
        got: dict[str, Any] = {}
        for answer in one_row(*parts):
            got.update(answer)
        names = ("registered", "active", "activities", "teams", "certificates", "orders", "rated", "good")
        return [{name: int(got[f"{name}{i}"] or 0) for name in names} for i in range(len(periods))]

    result: dict[str, int] = per_period("volunteers.counts", q, run)
    return result


def _moment(q: FigureQuery, field: str) -> Q:
    return Q(**{f"{field}__gte": _start(q), f"{field}__lte": _end(q)})


def _any_moment(qs: list[FigureQuery], field: str) -> Q:
    out = Q()
    for q in qs:
        out |= _moment(q, field)
    return out


def _counted(n: int, qs: QuerySet[Any]) -> Provided:
    """A count from the shared statement; the ids listed only when read (opened, pinned in a document)."""
    qs = qs.order_by()
    return lazy(Decimal(n), n, lambda: _ids(qs))


def registered(q: FigureQuery) -> Provided:
    return _counted(_counts(q)["registered"], _registered(q))


def active(q: FigureQuery) -> Provided:
    qs = confirmed_hours(q).order_by()
    n = _counts(q)["active"]
    return lazy(Decimal(n), n, lambda: sorted(set(qs.values_list("volunteer_id", flat=True))))


def activities(q: FigureQuery) -> Provided:
    return _counted(_counts(q)["activities"], _activities(q))


def teams(q: FigureQuery) -> Provided:
    return _counted(_counts(q)["teams"], _teams(q))


def certificates(q: FigureQuery) -> Provided:
    return _counted(_counts(q)["certificates"], _certificates(q))


def orders(q: FigureQuery) -> Provided:
    return _counted(_counts(q)["orders"], _orders(q))


def satisfaction(q: FigureQuery) -> Provided:
    """Share of rated orders rated 4 or 5 stars (满意率)."""
    counts = _counts(q)
    qs = _rated(q)
    n = counts["rated"]
    return lazy(rate(counts["good"], n), n, lambda: _ids(qs))


PROVIDERS = [
    Provider(
        "volunteers_registered",
        "注册志愿者",
        "人",
        LINE,
        "volunteers.volunteer",
        registered,
        rows_url="volunteers:rows_volunteer",
        description="截至时间段末在册（状态正常）的注册志愿者人数，按志愿者所属街道/社区统计。",
    ),
    Provider(
        "volunteers_active",
        "活跃志愿者",
        "人",
        LINE,
        "volunteers.volunteer",
        active,
        rows_url="volunteers:rows_volunteer",
        description="时间段内有已确认服务时长的志愿者人数（按服务所在单位统计）。",
    ),
    Provider(
        "volunteer_hours",
        "志愿服务时长",
        "小时",
        LINE,
        "volunteers.hourrecord",
        hours,
        rows_url="volunteers:rows_hours",
        grouped=hours_by_group,
        description="时间段内已确认的志愿服务时长之和（扫码签到、经复核的手工补录和导入记录）。",
    ),
    Provider(
        "volunteer_activities",
        "志愿服务活动",
        "场",
        LINE,
        "volunteers.activity",
        activities,
        rows_url="volunteers:rows_activity",
        description="时间段内开始的已发布或已结束的志愿服务活动场次。",
    ),
    Provider(
        "volunteer_teams",
        "志愿服务队伍",
        "支",
        LINE,
        "volunteers.team",
        teams,
        rows_url="volunteers:rows_team",
        description="截至时间段末有效的志愿服务队伍数（不含文明实践中心、所、站）。",
    ),
    Provider(
        "certificates_issued",
        "出具志愿服务证明",
        "份",
        LINE,
        "volunteers.certificate",
        certificates,
        rows_url="volunteers:rows_certificate",
        description="时间段内出具且未撤销的志愿服务证明份数。",
    ),
    Provider(
        "service_orders",
        "点单服务",
        "单",
        LINE,
        "volunteers.serviceorder",
        orders,
        rows_url="volunteers:rows_order",
        description="时间段内新时代文明实践阵地受理的点单（不含已取消）。",
    ),
    Provider(
        "service_order_satisfaction",
        "点单服务满意率",
        "%",
        LINE,
        "volunteers.serviceorder",
        satisfaction,
        rows_url="volunteers:rows_order",
        description="时间段内已评价的点单中评价为4星及以上的比例。",
        is_rate=True,
    ),
]


def register_all() -> None:
    register(*PROVIDERS)
