"""Rates per unit from the weekly statistics: registration rate (registered ÷ headcount), active rate (active ÷
registered) and average points (points ÷ registered), each with its change on the week before.

Under the 2024 rules against digital formalism these figures are described, and any ranking on them stays internal
and off unless staff switch it on for a bulletin, with the rule's warning printed."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from taizhang.org.models import Unit
from taizhang.study.models import StudyGroup, StudyWeek

RANKING_WARNING = ("按照2024年整治形式主义为基层减负有关规定，不得以登录、积分等数据对单位排名考核；"
                   "本排名仅供内部参考，未经部务会研究不得对外通报或纳入考核。")


@dataclass
class UnitRates:
    unit: Unit
    headcount: int = 0
    registered: int = 0
    active: int = 0
    points: int = 0
    weeks: list[int] = field(default_factory=list)  # StudyWeek ids behind the figures

    @property
    def registration_rate(self) -> Decimal:
        return _pct(self.registered, self.headcount)

    @property
    def active_rate(self) -> Decimal:
        return _pct(self.active, self.registered)

    @property
    def average_points(self) -> Decimal:
        if not self.registered:
            return Decimal(0)
        return (Decimal(self.points) / self.registered).quantize(Decimal("0.1"))


def _pct(part: int, whole: int) -> Decimal:
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / whole).quantize(Decimal("0.1"))


def monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def latest_week(on_or_before: datetime.date, unit_ids: list[int] | None = None) -> datetime.date | None:
    qs = StudyWeek.objects.filter(week_start__lte=on_or_before)
    if unit_ids is not None:
        qs = qs.filter(group__unit_id__in=unit_ids)
    row = qs.order_by("-week_start").values_list("week_start", flat=True).first()
    return row


def rates_by_unit(week: datetime.date, units: list[Unit]) -> dict[int, UnitRates]:
    """Each unit's rates for the week, its groups in its subtree summed (a street includes its communities)."""
    out = {u.pk: UnitRates(u) for u in units}
    groups = list(StudyGroup.objects.select_related("unit"))
    stats = {w.group_id: w for w in StudyWeek.objects.filter(week_start=week)}
    for unit in units:
        for group in groups:
            if not group.unit.path.startswith(unit.path):
                continue
            rates = out[unit.pk]
            rates.headcount += group.headcount
            row = stats.get(group.pk)
            if row is not None:
                rates.registered += row.registered
                rates.active += row.active
                rates.points += row.points
                rates.weeks.append(row.pk)
    return out


def totals(week: datetime.date, unit_ids: list[int] | None) -> UnitRates:
    """All groups of the given units (None: every group) for one week."""
    result = UnitRates(Unit(name="合计"))
    groups = StudyGroup.objects.all() if unit_ids is None else StudyGroup.objects.filter(unit_id__in=unit_ids)
    headcount: dict[int, int] = defaultdict(int)
    for group_id, count in groups.values_list("id", "headcount"):
        headcount[group_id] = count
    result.headcount = sum(headcount.values())
    for row in StudyWeek.objects.filter(week_start=week, group_id__in=list(headcount)):
        result.registered += row.registered
        result.active += row.active
        result.points += row.points
        result.weeks.append(row.pk)
    result.weeks.sort()
    return result
