"""Study-platform figures as computed metrics: the latest week in the period, for the units in scope.

The week of a figure is the latest week (its Monday) on or before the period's end among the weeks of the units'
groups, provided it reaches into the period (starts at most six days before it); without one the figure is 0. Its
value comes from that week's rows of the units' groups and their headcount (应注册人数); the rows behind it are
those StudyWeek rows, listed only when read (opened, pinned in a document).

Queries, so that a page of figures does not ask once per street and once per month:
- one aggregate per week of the period's calendar year(s) and the year before, for the units in scope
  (`_weekly`): the figure of the period, of each of its months and of the same period last year are read from it
  (shared within `providers.memo()`);
- the headcount of the units' groups by unit, once per scope (`_headcounts`);
- by unit (`grouped`): the rows of the scope's latest week by unit (one query whatever the number of streets);
  for groups that did not export that week, their own latest week and its rows (two more).
The values equal those of `stats.latest_week` + `stats.totals` for the same units (the tests compare them).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Sum

from taizhang.ledger.providers import FigureQuery, Provided, Provider, lazy, memo_key, memoized, register
from taizhang.org.models import Unit
from taizhang.study.models import StudyGroup, StudyWeek
from taizhang.study.stats import UnitRates

REACH = datetime.timedelta(days=6)
"""A week starting up to six days before a period still reaches into it."""


@dataclass(frozen=True)
class WeekSums:
    """The rows of one week for a set of units: how many, and their summed figures."""

    rows: int
    registered: int
    active: int
    points: int

    def __add__(self, other: WeekSums) -> WeekSums:
        return WeekSums(
            self.rows + other.rows,
            self.registered + other.registered,
            self.active + other.active,
            self.points + other.points,
        )


NOTHING = WeekSums(0, 0, 0, 0)
_SUMS = {"n": Count("id"), "reg": Sum("registered"), "act": Sum("active"), "pts": Sum("points")}


def _sums(row: dict[str, Any]) -> WeekSums:
    return WeekSums(int(row["n"] or 0), int(row["reg"] or 0), int(row["act"] or 0), int(row["pts"] or 0))


def _weeks_of(unit_ids: list[int] | None) -> Any:
    qs = StudyWeek.objects.order_by()
    return qs if unit_ids is None else qs.filter(group__unit_id__in=unit_ids)


def _weekly(q: FigureQuery) -> dict[datetime.date, WeekSums]:
    """The units' rows summed per week, over the period's calendar years and the year before (a dashboard compares
    with last year): one aggregate, shared within a page of figures by the figures of the period, of each of its
    months and of the same period last year."""
    units = None if q.unit_ids is None else tuple(q.unit_ids)
    # within providers.memo() the same dict for every call: the windows fetched so far
    fetched: dict[tuple[datetime.date, datetime.date], dict[datetime.date, WeekSums]] = memoized(
        ("study.weekly", units), dict
    )
    need_start, need_end = q.period.start - REACH, q.period.end
    for (start, end), weeks in fetched.items():
        if start <= need_start and need_end <= end:
            return weeks
    start = datetime.date(q.period.start.year - 1, 1, 1) - REACH
    end = datetime.date(q.period.end.year, 12, 31)
    rows = _weeks_of(q.unit_ids).filter(week_start__gte=start, week_start__lte=end)
    weeks = {r["week_start"]: _sums(r) for r in rows.values("week_start").annotate(**_SUMS)}
    fetched[(start, end)] = weeks
    return weeks


def _headcounts(unit_ids: list[int] | None) -> dict[int, int]:
    """应注册人数 of the units' groups, by unit: one query per scope within a page of figures."""
    units = None if unit_ids is None else tuple(unit_ids)

    def run() -> dict[int, int]:
        qs = StudyGroup.objects.order_by()
        if unit_ids is not None:
            qs = qs.filter(unit_id__in=unit_ids)
        return {
            int(u): int(n or 0)
            for u, n in qs.values("unit_id").annotate(n=Sum("headcount")).values_list("unit_id", "n")
        }

    result: dict[int, int] = memoized(("study.headcounts", units), run)
    return result


_TOTAL: list[Unit] = []


def _rates(sums: WeekSums, headcount: int) -> UnitRates:
    """The rates as `stats` defines them (registered ÷ headcount, active ÷ registered, points ÷ registered)."""
    if not _TOTAL:
        _TOTAL.append(Unit(name="合计"))
    return UnitRates(_TOTAL[0], headcount=headcount, registered=sums.registered, active=sums.active, points=sums.points)


def _rows_loader(week: datetime.date, unit_ids: list[int] | None) -> Callable[[], list[int]]:
    """The StudyWeek ids behind a figure, queried when read (the query is built then too: a page of figures
    builds dozens of answers and opens few)."""
    return lambda: list(_weeks_of(unit_ids).filter(week_start=week).values_list("id", flat=True))


def _answer(
    attr: str, week: datetime.date | None, sums: WeekSums, headcount: int, unit_ids: list[int] | None
) -> Provided:
    if week is None or not sums.rows:
        return Provided(Decimal(0), [])
    return lazy(Decimal(getattr(_rates(sums, headcount), attr)), sums.rows, _rows_loader(week, unit_ids))


def _latest(query: FigureQuery, attr: str) -> Provided:
    weekly = _weekly(query)
    start, end = query.period.start - REACH, query.period.end
    week = max((w for w in weekly if start <= w <= end), default=None)
    if week is None:
        return Provided(Decimal(0), [])
    headcount = sum(_headcounts(query.unit_ids).values())
    return _answer(attr, week, weekly[week], headcount, query.unit_ids)


@dataclass(frozen=True)
class _Group:
    units: list[int]
    week: datetime.date | None
    sums: WeekSums
    headcount: int


def _by_group(q: FigureQuery, groups: dict[int, str]) -> dict[str, _Group]:
    """Each group's latest week in the period and that week's rows of its units. Groups mostly export every week, so
    first the rows of the scope's latest week by unit (one query); only for groups without a row that week, their
    own latest week and its rows (two more). Nothing when the scope has no week in the period."""
    units = sorted(groups if q.unit_ids is None else set(groups) & set(q.unit_ids))
    members: dict[str, list[int]] = {}
    for uid in units:
        members.setdefault(groups[uid], []).append(uid)
    start, end = q.period.start - REACH, q.period.end
    top = max((w for w in _weekly(q) if start <= w <= end), default=None)
    if top is None:
        return {}
    heads = _headcounts(q.unit_ids)
    latest: dict[str, datetime.date] = {}
    sums: dict[str, WeekSums] = {}

    def add(rows: Any, weeks: dict[str, datetime.date] | None) -> None:
        for r in rows.values("group__unit_id", "week_start").annotate(**_SUMS):
            key = groups[r["group__unit_id"]]
            if weeks is None:
                latest[key] = r["week_start"]
            elif r["week_start"] != weeks.get(key):
                continue
            sums[key] = sums.get(key, NOTHING) + _sums(r)

    add(_weeks_of(units).filter(week_start=top), None)
    behind = [u for u in units if groups[u] not in latest and u in heads]  # groups that did not export that week
    if behind:
        in_period = _weeks_of(behind).filter(week_start__gte=start, week_start__lte=end)
        own: dict[str, datetime.date] = {}
        for uid, week in (
            in_period.values("group__unit_id").annotate(w=Max("week_start")).values_list("group__unit_id", "w")
        ):
            key = groups[uid]
            own[key] = max(week, own.get(key, week))
        if own:
            add(_weeks_of(behind).filter(week_start__in=sorted(set(own.values()))), own)
            latest.update(own)
    return {
        key: _Group(ids, latest.get(key), sums.get(key, NOTHING), sum(heads.get(u, 0) for u in ids))
        for key, ids in members.items()
    }


def _grouped(attr: str) -> Callable[[FigureQuery, dict[int, str]], dict[str, Provided]]:
    """The figure for groups of units (a district by street) from `_by_group`, shared by the four figures."""

    def grouped(q: FigureQuery, groups: dict[int, str]) -> dict[str, Provided]:
        key = (*memo_key("study.by_group", q), tuple(sorted(groups.items())))
        found: dict[str, _Group] = memoized(key, lambda: _by_group(q, groups))
        return {k: _answer(attr, g.week, g.sums, g.headcount, g.units) for k, g in found.items() if g.sums.rows}

    grouped.__name__ = f"{attr}_grouped"
    return grouped


def registration(query: FigureQuery) -> Provided:
    return _latest(query, "registration_rate")


def active(query: FigureQuery) -> Provided:
    return _latest(query, "active_rate")


def average(query: FigureQuery) -> Provided:
    return _latest(query, "average_points")


def learners(query: FigureQuery) -> Provided:
    return _latest(query, "registered")


def register_all() -> None:
    line = "study_platform"
    register(
        Provider(
            "study_learners",
            "学习平台注册学员",
            "人",
            line,
            "study.studyweek",
            learners,
            "study:week_list",
            "期内最近一周各组织已注册学员之和（仅作描述，不用于排名考核）",
            grouped=_grouped("registered"),
        ),
        Provider(
            "study_registration_rate",
            "学习平台注册率",
            "%",
            line,
            "study.studyweek",
            registration,
            "study:week_list",
            "期内最近一周：已注册学员 ÷ 应注册人数",
            is_rate=True,
            grouped=_grouped("registration_rate"),
        ),
        Provider(
            "study_active_rate",
            "学习平台活跃率",
            "%",
            line,
            "study.studyweek",
            active,
            "study:week_list",
            "期内最近一周：活跃学员 ÷ 已注册学员",
            is_rate=True,
            grouped=_grouped("active_rate"),
        ),
        Provider(
            "study_average_points",
            "学习平台人均积分",
            "分",
            line,
            "study.studyweek",
            average,
            "study:week_list",
            "期内最近一周：本周积分 ÷ 已注册学员",
            is_rate=True,
            grouped=_grouped("average_points"),
        ),
    )
