"""Plan coverage: for a month, each site type × each week: planned in a round, inspected, or neither. Every site
type should be covered at least once a month (the practice the 文明办 follows)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from taizhang.civility.models import Inspection, InspectionRound, SiteType
from taizhang.civility.periods import bounds, weeks_in
from taizhang.core.periods import Period


@dataclass
class CoverageRow:
    site_type: str
    label: str
    cells: list[str]  # per week: "inspected" | "planned" | ""
    covered: bool  # inspected in some week of the month
    planned: bool  # planned in some week of the month


@dataclass
class Coverage:
    weeks: list[Period]
    rows: list[CoverageRow]

    @property
    def gaps(self) -> list[CoverageRow]:
        return [r for r in self.rows if not r.planned and not r.covered]


def coverage(period: Period, rounds: object = None, site_unit_ids: set[int] | None = None) -> Coverage:
    weeks = weeks_in(period)
    planned: dict[int, set[str]] = defaultdict(set)
    qs = rounds if rounds is not None else InspectionRound.objects.all()
    for r in qs.filter(week_start__gte=weeks[0].start, week_start__lte=weeks[-1].end):  # type: ignore[attr-defined]
        index = (r.week_start - weeks[0].start).days // 7
        planned[index] |= set(r.site_types)
        for team in r.teams.all():
            planned[index] |= set(team.site_types)
    start, _ = bounds(weeks[0])
    _, end = bounds(weeks[-1])
    inspections = Inspection.objects.filter(kind=Inspection.Kind.REGULAR, submitted_at__gte=start,
                                            submitted_at__lt=end)
    if site_unit_ids is not None:
        inspections = inspections.filter(site__unit_id__in=site_unit_ids)
    done: dict[int, set[str]] = defaultdict(set)
    from django.utils import timezone

    for when, site_type in inspections.values_list("submitted_at", "site__type"):
        day = timezone.localtime(when).date()
        done[(day - weeks[0].start).days // 7].add(site_type)
    in_month = [i for i, w in enumerate(weeks) if w.end >= period.start and w.start <= period.end]
    rows = []
    for value, label in SiteType.choices:
        cells = ["inspected" if value in done[i] else "planned" if value in planned[i] else "" for i in
                 range(len(weeks))]
        rows.append(CoverageRow(value, label, cells, any(cells[i] == "inspected" for i in in_month),
                                any(value in planned[i] for i in in_month)))
    return Coverage(weeks, rows)
