"""The simulated score (模拟测评得分). The formula (docs/civility.md):

For a scope (a unit and its subtree), a period and one framework edition, each standard s with data gets a rate:
- 实地考察: met answers / all answers for s in regular inspections of the scope's sites in the period;
- 材料审核: for each unit, its latest reviewed submission for s in the period (accepted = 1, returned = 0); the mean;
- 问卷调查 / 网络调查: Σ satisfied / Σ respondents of the scope's survey results for s in the period.
earned(s) = rate(s) × points(s). A project's points = Σ earned of its standards with data, its max = Σ points of the
same standards. score = 100 × Σ earned / Σ max (standards without data are left out, so a scope is not marked down
for what was not assessed), rounded half up to two decimals; project points too. A standard that does not apply
(no site of its type in the scope) simply has no data.

The answers are aggregated in one query grouped by (standard, unit) and rolled up to every scope asked for, so a
district and all its streets cost the same few queries as the district alone.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from taizhang.civility.models import (
    Answer,
    DocumentSubmission,
    Framework,
    Inspection,
    Method,
    Problem,
    Project,
    Standard,
    SurveyResult,
)
from taizhang.civility.periods import bounds, weeks_in
from taizhang.core.periods import Period
from taizhang.org.models import Unit

TWO = Decimal("0.01")
HUNDRED = Decimal(100)


def q2(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


@dataclass
class Tally:
    """Numerator / denominator of one standard's rate in one scope, and the rows behind it."""

    num: Decimal = Decimal(0)
    den: Decimal = Decimal(0)
    inspections: set[int] = field(default_factory=set)
    reviews: set[int] = field(default_factory=set)
    surveys: set[int] = field(default_factory=set)


@dataclass
class ProjectScore:
    key: str
    name: str
    points: Decimal
    max: Decimal
    full: Decimal
    inspections: list[int]
    reviews: list[int]
    surveys: list[int]

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "name": self.name, "points": str(self.points), "max": str(self.max),
                "full": str(self.full), "inspections": self.inspections, "reviews": self.reviews,
                "surveys": self.surveys}


@dataclass
class ScoreResult:
    framework: Framework
    period: Period
    unit: Unit | None
    score: Decimal | None
    earned: Decimal
    max: Decimal
    projects: list[ProjectScore]
    standards: dict[int, tuple[Decimal | None, Decimal]]  # standard id → (rate or None, earned)

    @property
    def inspection_ids(self) -> list[int]:
        return sorted({i for p in self.projects for i in p.inspections})

    @property
    def review_ids(self) -> list[int]:
        return sorted({i for p in self.projects for i in p.reviews})


def scope_ids(units: list[Unit | None]) -> dict[int | None, set[int] | None]:
    """For each scope unit (None = everything), the ids of its subtree: one query for all of them (the subtrees of
    the outermost units asked, each unit's own picked out by its path)."""
    out: dict[int | None, set[int] | None] = {}
    outermost: list[str] = []
    for path in sorted({u.path for u in units if u is not None}):  # a path sorts before the paths under it
        if not any(path.startswith(top) for top in outermost):
            outermost.append(path)
    rows: list[tuple[int, str]] = []
    if outermost:
        cond = Q()
        for path in outermost:
            cond |= Q(path__startswith=path)
        rows = list(Unit.objects.filter(cond).values_list("id", "path"))
    for unit in units:
        if unit is None:
            out[None] = None
        else:
            out[unit.pk] = {uid for uid, path in rows if path.startswith(unit.path)}
    return out


def _union(scopes: dict[int | None, set[int] | None]) -> set[int] | None:
    if any(ids is None for ids in scopes.values()):
        return None
    out: set[int] = set()
    for ids in scopes.values():
        out |= ids or set()
    return out


@dataclass
class Collected:
    tallies: dict[tuple[int, int], Tally]  # (standard id, unit id) → counts (and review/survey ids)
    inspections: dict[tuple[int, int], set[int]]  # (project id, unit id) → ids of the inspections behind it


def collect(framework: Framework, period: Period, unit_ids: set[int] | None, *, site_type: str | None = None,
            with_ids: bool = True) -> Collected:
    """Tallies by (standard, unit): the raw material every scope's score is rolled up from."""
    if site_type:  # documents and surveys are not about a site type
        return collect_by_site_type(framework, period, unit_ids, [site_type], with_ids=with_ids)[site_type]
    tallies: dict[tuple[int, int], Tally] = defaultdict(Tally)
    answers = Answer.objects.filter(framework=framework, day__gte=period.start, day__lte=period.end)
    if unit_ids is not None:
        answers = answers.filter(unit_id__in=unit_ids)
    for sid, uid, total, met in answers.values_list("standard_id", "unit_id").annotate(
            n_total=Count("id"), n_met=Count("id", filter=Q(met=True))).values_list(
                "standard_id", "unit_id", "n_total", "n_met"):
        t = tallies[(sid, uid)]
        t.num += met
        t.den += total
    behind: dict[tuple[int, int], set[int]] = defaultdict(set)
    if with_ids:
        for iid, uid, projects in _inspections(framework, period, unit_ids).values_list(
                "id", "site__unit_id", "projects").iterator(5000):
            for pid in projects or ():
                behind[(pid, uid)].add(iid)
    docs = DocumentSubmission.objects.filter(
        standard__framework=framework, reviewed_on__gte=period.start, reviewed_on__lte=period.end,
        status__in=[DocumentSubmission.Status.ACCEPTED, DocumentSubmission.Status.RETURNED])
    if unit_ids is not None:
        docs = docs.filter(unit_id__in=unit_ids)
    latest: dict[tuple[int, int], tuple[datetime.date, int, bool]] = {}
    for pk, sid, uid, reviewed_on, status in docs.values_list("id", "standard_id", "unit_id", "reviewed_on",
                                                               "status"):
        key = (sid, uid)
        if reviewed_on is None:
            continue
        if key not in latest or (reviewed_on, pk) > latest[key][:2]:
            latest[key] = (reviewed_on, pk, status == DocumentSubmission.Status.ACCEPTED)
    for (sid, uid), (_day, pk, accepted) in latest.items():
        t = tallies[(sid, uid)]
        t.num += 1 if accepted else 0
        t.den += 1
        t.reviews.add(pk)
    surveys = SurveyResult.objects.filter(standard__framework=framework, surveyed_on__gte=period.start,
                                          surveyed_on__lte=period.end)
    if unit_ids is not None:
        surveys = surveys.filter(unit_id__in=unit_ids)
    for pk, sid, uid, respondents, satisfied in surveys.values_list("id", "standard_id", "unit_id", "respondents",
                                                                    "satisfied"):
        t = tallies[(sid, uid)]
        t.num += satisfied
        t.den += respondents
        t.surveys.add(pk)
    return Collected(tallies, behind)


def _standards(framework: Framework) -> tuple[dict[int, dict[str, Any]], list[Project]]:
    rows: dict[int, dict[str, Any]] = {s["id"]: dict(s) for s in Standard.objects.filter(
        framework=framework).values("id", "project_id", "points", "method")}
    return rows, list(Project.objects.filter(framework=framework).order_by("sort_order", "id"))


def roll_up(framework: Framework, period: Period, unit: Unit | None, collected: Collected,
            subtree: set[int] | None, standards: dict[int, dict[str, Any]], projects: list[Project]) -> ScoreResult:
    per_standard: dict[int, Tally] = defaultdict(Tally)
    ids_p: dict[int, Tally] = defaultdict(Tally)
    for (pid, uid), iids in collected.inspections.items():
        if subtree is None or uid in subtree:
            ids_p[pid].inspections |= iids
    for (sid, uid), t in collected.tallies.items():
        if subtree is not None and uid not in subtree:
            continue
        agg = per_standard[sid]
        agg.num += t.num
        agg.den += t.den
        agg.inspections |= t.inspections
        agg.reviews |= t.reviews
        agg.surveys |= t.surveys
    full: dict[int, Decimal] = defaultdict(Decimal)
    for s in standards.values():
        full[s["project_id"]] += s["points"]
    earned_p: dict[int, Decimal] = defaultdict(Decimal)
    max_p: dict[int, Decimal] = defaultdict(Decimal)
    result_standards: dict[int, tuple[Decimal | None, Decimal]] = {}
    for sid, s in standards.items():
        found = per_standard.get(sid)
        if found is None or not found.den:
            result_standards[sid] = (None, Decimal(0))
            continue
        t = found
        rate = t.num / t.den
        earned = rate * s["points"]
        result_standards[sid] = (rate, earned)
        earned_p[s["project_id"]] += earned
        max_p[s["project_id"]] += s["points"]
        ids_p[s["project_id"]].reviews |= t.reviews
        ids_p[s["project_id"]].surveys |= t.surveys
    out = [ProjectScore(p.key, p.name, q2(earned_p[p.pk]), q2(max_p[p.pk]), q2(full[p.pk]),
                        sorted(ids_p[p.pk].inspections), sorted(ids_p[p.pk].reviews), sorted(ids_p[p.pk].surveys))
           for p in projects]
    total_earned = sum(earned_p.values(), Decimal(0))
    total_max = sum(max_p.values(), Decimal(0))
    score = q2(total_earned * HUNDRED / total_max) if total_max else None
    return ScoreResult(framework, period, unit, score, q2(total_earned), q2(total_max), out, result_standards)


def compute_scores(framework: Framework, period: Period, units: list[Unit | None], *,
                   site_type: str | None = None, with_ids: bool = True,
                   scopes: dict[int | None, set[int] | None] | None = None) -> list[ScoreResult]:
    """The score of each scope in `units` (None = the whole register), from one pass over the data. `scopes`: their
    subtrees' ids (`scope_ids(units)`), when the caller has them already."""
    scopes = scope_ids(units) if scopes is None else scopes
    collected = collect(framework, period, _union(scopes), site_type=site_type, with_ids=with_ids)
    standards, projects = _standards(framework)
    return [roll_up(framework, period, u, collected, scopes[u.pk if u else None], standards, projects)
            for u in units]


def _inspections(framework: Framework, period: Period, unit_ids: set[int] | None) -> QuerySet[Inspection]:
    """The regular inspections of the period whose site is in `unit_ids` (None: everywhere)."""
    start, end = bounds(period)
    qs = Inspection.objects.filter(framework=framework, kind=Inspection.Kind.REGULAR, submitted_at__gte=start,
                                   submitted_at__lt=end)
    return qs if unit_ids is None else qs.filter(site__unit_id__in=unit_ids)


def collect_by_site_type(framework: Framework, period: Period, unit_ids: set[int] | None, site_types: list[str], *,
                         with_ids: bool = True) -> dict[str, Collected]:
    """`collect(..., site_type=t)` for each type t of `site_types` (answers and inspections only: documents and
    surveys are not about a site type), from one query for the answers and one for the inspections."""
    tallies: dict[str, dict[tuple[int, int], Tally]] = {t: defaultdict(Tally) for t in site_types}
    behind: dict[str, dict[tuple[int, int], set[int]]] = {t: defaultdict(set) for t in site_types}
    answers = Answer.objects.filter(framework=framework, day__gte=period.start, day__lte=period.end,
                                    site_type__in=site_types)
    if unit_ids is not None:
        answers = answers.filter(unit_id__in=unit_ids)
    for st, sid, uid, total, met in answers.values_list("site_type", "standard_id", "unit_id").annotate(
            n_total=Count("id"), n_met=Count("id", filter=Q(met=True))).values_list(
                "site_type", "standard_id", "unit_id", "n_total", "n_met"):
        t = tallies[st][(sid, uid)]
        t.num += met
        t.den += total
    if with_ids:
        for iid, uid, projects, st in _inspections(framework, period, unit_ids).filter(
                site__type__in=site_types).values_list("id", "site__unit_id", "projects", "site__type").iterator(5000):
            for pid in projects or ():
                behind[st][(pid, uid)].add(iid)
    return {t: Collected(tallies[t], behind[t]) for t in site_types}


def compute_site_type_scores(framework: Framework, period: Period, unit: Unit | None, unit_ids: set[int] | None,
                             site_types: list[str]) -> dict[str, ScoreResult]:
    """`compute_score(framework, period, unit, site_type=t)` for each type t (all non-empty) of `site_types`, with
    `unit_ids` the subtree of `unit` (None: everything), from `collect_by_site_type`'s two queries."""
    collected = collect_by_site_type(framework, period, unit_ids, site_types)
    standards, projects = _standards(framework)
    return {t: roll_up(framework, period, unit, collected[t], unit_ids, standards, projects) for t in site_types}


def compute_score(framework: Framework, period: Period, unit: Unit | None = None, *,
                  site_type: str | None = None) -> ScoreResult:
    return compute_scores(framework, period, [unit], site_type=site_type)[0]


def children_of(unit: Unit | None) -> list[Unit]:
    if unit is None:
        return list(Unit.objects.filter(parent__isnull=True, is_active=True))
    return list(Unit.objects.filter(parent=unit, is_active=True).order_by("sort_order", "code"))


def framework_for(period: Period, key: str | None = None) -> Framework | None:
    """The edition used in the period: the one most inspections of the period used, else the active one."""
    start, end = bounds(period)
    qs = Inspection.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    if key:
        qs = qs.filter(framework__key=key)
    top = qs.values("framework_id").annotate(n=Count("id")).order_by("-n").first()
    if top:
        return Framework.objects.get(pk=top["framework_id"])
    fws = Framework.objects.filter(status=Framework.Status.ACTIVE)
    if key:
        fws = fws.filter(key=key)
    return fws.order_by("-edition").first()


def by_standard_rows(result: ScoreResult) -> list[dict[str, Any]]:
    rows = []
    for s in Standard.objects.filter(framework=result.framework).select_related("project").order_by(
            "sort_order", "id"):
        rate, earned = result.standards.get(s.pk, (None, Decimal(0)))
        rows.append({"standard": s, "rate": None if rate is None else q2(rate * HUNDRED), "earned": q2(earned),
                     "method": Method(s.method).label})
    return rows


def trend(framework: Framework, period: Period, unit: Unit | None, *, unit_ids: set[int] | None = None
          ) -> list[tuple[Period, Decimal | None]]:
    """The field-inspection score week by week (one query, bucketed by local day). `unit_ids`: the subtree of
    `unit`, when the caller has it already."""
    answers = Answer.objects.filter(framework=framework, day__gte=period.start, day__lte=period.end)
    if unit is not None:
        if unit_ids is None:
            unit_ids = set(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))
        answers = answers.filter(unit_id__in=unit_ids)
    points = dict(Standard.objects.filter(framework=framework).values_list("id", "points"))
    weeks = weeks_in(period)
    buckets: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for sid, day, n_total, n_met in answers.values_list("standard_id", "day").annotate(
            n_total=Count("id"), n_met=Count("id", filter=Q(met=True))).values_list(
                "standard_id", "day", "n_total", "n_met"):
        if day is None:
            continue
        cell = buckets[(day - weeks[0].start).days // 7][sid]
        cell[0] += n_met
        cell[1] += n_total
    out: list[tuple[Period, Decimal | None]] = []
    for i, week in enumerate(weeks):
        earned = Decimal(0)
        maximum = Decimal(0)
        for sid, (met, total) in buckets.get(i, {}).items():
            earned += Decimal(met) / Decimal(total) * points[sid]
            maximum += points[sid]
        out.append((week, q2(earned * HUNDRED / maximum) if maximum else None))
    return out


@dataclass
class ProblemCounts:
    found: list[int]
    rectified: list[int]
    overdue: list[int]
    recurring: list[int]
    ontime: list[int]

    def to_dict(self) -> dict[str, int]:
        return {"found": len(self.found), "rectified": len(self.rectified), "overdue": len(self.overdue),
                "recurring": len(self.recurring)}


def problem_counts(period: Period, unit_ids: set[int] | None, *, today: datetime.date | None = None
                   ) -> ProblemCounts:
    """found: found in the period; rectified: closed (销号) in the period; overdue: past the deadline and not closed
    at the end of the period (or today, if earlier); recurring: found in the period and flagged recurring;
    ontime: closed in the period on or before the deadline."""
    as_of = min(period.end, today or timezone.localdate())
    qs = Problem.objects.exclude(status=Problem.Status.CANCELLED)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    found = qs.filter(found_on__gte=period.start, found_on__lte=period.end)
    closed = qs.filter(closed_on__gte=period.start, closed_on__lte=period.end)
    overdue = qs.filter(found_on__lte=as_of, deadline__lt=as_of).filter(
        Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))
    ontime = closed.filter(Q(deadline__isnull=True) | Q(closed_on__lte=F("deadline")))
    return ProblemCounts(
        found=list(found.values_list("id", flat=True)), rectified=list(closed.values_list("id", flat=True)),
        overdue=list(overdue.values_list("id", flat=True)),
        recurring=list(found.filter(recurring=True).values_list("id", flat=True)),
        ontime=list(ontime.values_list("id", flat=True)),
    )


def problem_counts_of(period: Period, scopes: list[set[int] | None], *, today: datetime.date | None = None
                      ) -> list[ProblemCounts]:
    """`problem_counts(period, ids)` of each `ids` of `scopes` from one query: the problems any of them counts
    (in the model's order, as `problem_counts` lists them), sorted into each scope's sets in Python by the same
    conditions."""
    as_of = min(period.end, today or timezone.localdate())
    qs = Problem.objects.exclude(status=Problem.Status.CANCELLED)
    if scopes and all(ids is not None for ids in scopes):
        qs = qs.filter(unit_id__in=set().union(*(ids for ids in scopes if ids is not None)))
    wanted = (Q(found_on__gte=period.start, found_on__lte=period.end)
              | Q(closed_on__gte=period.start, closed_on__lte=period.end)
              | Q(found_on__lte=as_of, deadline__lt=as_of) & (Q(closed_on__isnull=True) | Q(closed_on__gt=as_of)))
    everywhere = [i for i, ids in enumerate(scopes) if ids is None]
    scopes_of: dict[int, list[int]] = defaultdict(list)  # unit id → the scopes (their indexes) it is in
    for i, ids in enumerate(scopes):
        for uid in ids or ():
            scopes_of[uid].append(i)
    out = [ProblemCounts([], [], [], [], []) for _ids in scopes]
    for pk, uid, found_on, closed_on, deadline, again in qs.filter(wanted).values_list(
            "id", "unit_id", "found_on", "closed_on", "deadline", "recurring"):
        found = period.start <= found_on <= period.end
        closed = closed_on is not None and period.start <= closed_on <= period.end
        ontime = closed_on is not None and closed and (deadline is None or closed_on <= deadline)
        overdue = (found_on <= as_of and deadline is not None and deadline < as_of
                   and (closed_on is None or closed_on > as_of))
        for i in [*everywhere, *scopes_of.get(uid, ())]:
            counts = out[i]
            if found:
                counts.found.append(pk)
                if again:
                    counts.recurring.append(pk)
            if closed:
                counts.rectified.append(pk)
                if ontime:
                    counts.ontime.append(pk)
            if overdue:
                counts.overdue.append(pk)
    return out
