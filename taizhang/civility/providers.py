"""The civility figures for `ledger.figures.compute` (registered in CivilityConfig.ready()). Each returns the
value with the ids of the rows behind it; the line is the taxonomy's "civility"."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, FilteredRelation, Q, QuerySet
from django.utils import timezone

from taizhang.civility.models import (
    Answer,
    DocumentSubmission,
    Framework,
    Inspection,
    Problem,
    Project,
    SurveyResult,
    Title,
)
from taizhang.civility.periods import bounds
from taizhang.civility.scoring import Collected, ProblemCounts, Tally, collect, framework_for, roll_up
from taizhang.core.periods import Period
from taizhang.ledger.dashboard_prefetch import any_of, one_row, per_period, within
from taizhang.ledger.providers import FigureQuery, Provided, Provider, lazy, rate, register

LINE = "civility"


def _ids(query: FigureQuery) -> set[int] | None:
    return None if query.unit_ids is None else set(query.unit_ids)


def _inspected(query: FigureQuery) -> QuerySet[Inspection]:
    start, end = bounds(query.period)
    qs = Inspection.objects.filter(kind=Inspection.Kind.REGULAR, submitted_at__gte=start, submitted_at__lt=end)
    if query.unit_ids is not None:
        qs = qs.filter(site__unit_id__in=query.unit_ids)
    if query.filters.get("site_type"):
        qs = qs.filter(site__type=query.filters["site_type"])
    return qs.order_by()


def _titles(query: FigureQuery) -> QuerySet[Title]:
    qs = Title.objects.filter(_valid(query.period))
    if query.unit_ids is not None:
        qs = qs.filter(unit_id__in=query.unit_ids)
    for key in ("kind", "level"):
        if query.filters.get(key):
            qs = qs.filter(**{key: query.filters[key]})
    return qs.order_by()


def _valid(p: Period) -> Q:
    """Titles in force at some time of the period and not revoked by its end."""
    return Q(awarded_on__lte=p.end, valid_until__gte=p.start) & (Q(revoked_on__isnull=True) | Q(revoked_on__gt=p.end))


def _moment(p: Period) -> Q:
    start, end = bounds(p)
    return Q(submitted_at__gte=start, submitted_at__lt=end)


def _site_title_counts(query: FigureQuery) -> dict[str, int]:
    """Sites inspected and titles in force: one statement for this period and the others the page asks
    (`ledger.dashboard_prefetch`), one FILTER per period."""

    def run(periods: list[Period]) -> list[dict[str, int]]:
        whole = replace(query, period=Period(min(p.start for p in periods), max(p.end for p in periods), "", "range"))
        any_moment, any_valid = Q(), Q()
        for p in periods:
            any_moment |= _moment(p)
            any_valid |= _valid(p)
        sites, titles_ = one_row(
            (
                _inspected(whole).filter(any_moment),
                {f"sites{i}": Count("site_id", distinct=True, filter=_moment(p)) for i, p in enumerate(periods)},
            ),
            (
                _titles(whole).filter(any_valid),
                {f"titles{i}": Count("id", filter=_valid(p)) for i, p in enumerate(periods)},
            ),
        )
        got = {**sites, **titles_}
        return [{name: int(got[f"{name}{i}"] or 0) for name in ("sites", "titles")} for i in range(len(periods))]

    result: dict[str, int] = per_period("civility.sites_titles", query, run)
    return result


def sites_inspected(query: FigureQuery) -> Provided:
    qs = _inspected(query)
    n = _site_title_counts(query)["sites"]
    return lazy(Decimal(n), n, lambda: sorted(set(qs.values_list("site_id", flat=True))))


def _problem_counts(periods: list[Period], unit_ids: set[int] | None) -> list[ProblemCounts]:
    """`scoring.problem_counts` of each period from one query: the problems any of them counts, sorted into the
    five sets in Python by the same conditions (found, closed in the period; overdue at the period's end or today;
    recurring; closed by the deadline)."""
    today = timezone.localdate()
    as_ofs = [min(p.end, today) for p in periods]
    qs = Problem.objects.exclude(status=Problem.Status.CANCELLED)
    if unit_ids is not None:
        qs = qs.filter(unit_id__in=unit_ids)
    wanted = Q()
    for p, as_of in zip(periods, as_ofs, strict=True):
        wanted |= Q(found_on__gte=p.start, found_on__lte=p.end) | Q(closed_on__gte=p.start, closed_on__lte=p.end)
        wanted |= Q(found_on__lte=as_of, deadline__lt=as_of) & (Q(closed_on__isnull=True) | Q(closed_on__gt=as_of))
    rows = list(qs.filter(wanted).order_by().values_list("id", "found_on", "closed_on", "deadline", "recurring"))
    out = []
    for p, as_of in zip(periods, as_ofs, strict=True):
        found, rectified, overdue, recurring, ontime = [], [], [], [], []
        for pk, found_on, closed_on, deadline, again in rows:
            if p.start <= found_on <= p.end:
                found.append(pk)
                if again:
                    recurring.append(pk)
            if closed_on is not None and p.start <= closed_on <= p.end:
                rectified.append(pk)
                if deadline is None or closed_on <= deadline:
                    ontime.append(pk)
            if (
                found_on <= as_of
                and deadline is not None
                and deadline < as_of
                and (closed_on is None or closed_on > as_of)
            ):
                overdue.append(pk)
        out.append(
            ProblemCounts(
                found=sorted(found),
                rectified=sorted(rectified),
                overdue=sorted(overdue),
                recurring=sorted(recurring),
                ontime=sorted(ontime),
            )
        )
    return out


def _counts(query: FigureQuery) -> Any:
    """The problem counts of a scope and period, computed once per page of figures (providers.memoized), with the
    other periods the page asks: the five problem figures read the same sets."""
    return per_period("civility.problems", query, lambda periods: _problem_counts(periods, _ids(query)))


def _problems(field: str) -> Callable[[FigureQuery], Provided]:
    def compute(query: FigureQuery) -> Provided:
        ids = getattr(_counts(query), field)
        return Provided(Decimal(len(ids)), sorted(ids))

    return compute


def ontime_rate(query: FigureQuery) -> Provided:
    counts = _counts(query)
    return Provided(rate(len(counts.ontime), len(counts.rectified)), sorted(counts.rectified))


def _frameworks(periods: list[Period], key: str | None) -> list[Framework | None]:
    """`scoring.framework_for` of each period: the edition most of the period's inspections used (one query for
    every period), else the active one (one more query, for every period without inspections). A tie for the
    most is left to `framework_for` itself, as before. Only the editions' ids are read (the score needs no more):
    the instances carry just their primary key."""
    if len(periods) == 1:
        return [framework_for(periods[0], key)]
    qs = Inspection.objects.filter(_any_moment(periods))
    if key:
        qs = qs.filter(framework__key=key)
    rows = list(
        qs.values("framework_id")
        .annotate(**{f"n{i}": Count("id", filter=_moment(p)) for i, p in enumerate(periods)})
        .order_by()
    )
    active: list[int | None] = []

    def active_edition() -> int | None:
        if not active:
            fws = Framework.objects.filter(status=Framework.Status.ACTIVE)
            active.append(
                fws.filter(key=key).order_by("-edition").values_list("pk", flat=True).first()
                if key
                else fws.order_by("-edition").values_list("pk", flat=True).first()
            )
        return active[0]

    out: list[Framework | None] = []
    for i, p in enumerate(periods):
        counts = sorted(((r[f"n{i}"], r["framework_id"]) for r in rows if r[f"n{i}"]), reverse=True)
        if len(counts) > 1 and counts[0][0] == counts[1][0]:
            out.append(framework_for(p, key))
            continue
        pk = counts[0][1] if counts else active_edition()
        out.append(None if pk is None else Framework(pk=pk))
    return out


def _any_moment(periods: list[Period]) -> Q:
    out = Q()
    for p in periods:
        out |= _moment(p)
    return out


def _collect(framework: Framework, periods: list[Period], unit_ids: set[int] | None) -> list[Collected]:
    """`scoring.collect(framework, period, unit_ids)` of each period, from one query per kind of row (answers
    grouped with one FILTER per period; inspections, reviews and surveys of every period, sorted by date)."""
    if len(periods) == 1:
        return [collect(framework, periods[0], unit_ids)]
    tallies: list[dict[tuple[int, int], Tally]] = [defaultdict(Tally) for _p in periods]
    behind: list[dict[tuple[int, int], set[int]]] = [defaultdict(set) for _p in periods]
    answers = Answer.objects.filter(any_of(periods, "day"), framework=framework)
    if unit_ids is not None:
        answers = answers.filter(unit_id__in=unit_ids)
    aggregates: dict[str, Any] = {}
    for i, p in enumerate(periods):
        aggregates[f"t{i}"] = Count("id", filter=within(p, "day"))
        aggregates[f"m{i}"] = Count("id", filter=within(p, "day") & Q(met=True))
    for row in (
        answers.values("standard_id", "unit_id").annotate(**aggregates).values("standard_id", "unit_id", *aggregates)
    ):
        for i in range(len(periods)):
            if row[f"t{i}"]:
                t = tallies[i][(row["standard_id"], row["unit_id"])]
                t.num += row[f"m{i}"]
                t.den += row[f"t{i}"]
    inspections = Inspection.objects.filter(_any_moment(periods), framework=framework, kind=Inspection.Kind.REGULAR)
    if unit_ids is not None:
        inspections = inspections.filter(site__unit_id__in=unit_ids)
    spans = [bounds(p) for p in periods]
    for iid, uid, projects, at in inspections.values_list("id", "site__unit_id", "projects", "submitted_at").iterator(
        5000
    ):
        for i, (start, end) in enumerate(spans):
            if start <= at < end:
                for pid in projects or ():
                    behind[i][(pid, uid)].add(iid)
    docs = DocumentSubmission.objects.filter(
        any_of(periods, "reviewed_on"),
        standard__framework=framework,
        status__in=[DocumentSubmission.Status.ACCEPTED, DocumentSubmission.Status.RETURNED],
    )
    if unit_ids is not None:
        docs = docs.filter(unit_id__in=unit_ids)
    doc_rows = list(docs.values_list("id", "standard_id", "unit_id", "reviewed_on", "status"))
    surveys = SurveyResult.objects.filter(any_of(periods, "surveyed_on"), standard__framework=framework)
    if unit_ids is not None:
        surveys = surveys.filter(unit_id__in=unit_ids)
    survey_rows = list(surveys.values_list("id", "standard_id", "unit_id", "respondents", "satisfied", "surveyed_on"))
    for i, p in enumerate(periods):
        latest: dict[tuple[int, int], tuple[Any, int, bool]] = {}
        for pk, sid, uid, reviewed_on, status in doc_rows:
            if reviewed_on is None or not p.start <= reviewed_on <= p.end:
                continue
            key = (sid, uid)
            if key not in latest or (reviewed_on, pk) > latest[key][:2]:
                latest[key] = (reviewed_on, pk, status == DocumentSubmission.Status.ACCEPTED)
        for (sid, uid), (_day, pk, accepted) in latest.items():
            t = tallies[i][(sid, uid)]
            t.num += 1 if accepted else 0
            t.den += 1
            t.reviews.add(pk)
        for pk, sid, uid, respondents, satisfied, day in survey_rows:
            if p.start <= day <= p.end:
                t = tallies[i][(sid, uid)]
                t.num += satisfied
                t.den += respondents
                t.surveys.add(pk)
    return [Collected(t, b) for t, b in zip(tallies, behind, strict=True)]


def _framework_tree(framework: Framework) -> tuple[dict[int, dict[str, Any]], list[Project]]:
    """`scoring._standards(framework)` in one query: the edition's projects (in order) with their standards (a
    standard's framework is its project's, denormalised; the join asks for both all the same)."""
    rows = (
        Project.objects.filter(framework=framework)
        .annotate(std=FilteredRelation("standards", condition=Q(standards__framework=framework)))
        .order_by("sort_order", "id", "std__sort_order", "std__id")
        .values_list(
            "id",
            "key",
            "name",
            "sort_order",
            "std__id",
            "std__project_id",
            "std__points",
            "std__method",
            "std__sort_order",
        )
    )
    projects: dict[int, Project] = {}
    found: list[tuple[int, int, dict[str, Any]]] = []
    for pk, key, name, order, sid, project_id, points, method, s_order in rows:
        if pk not in projects:
            projects[pk] = Project(id=pk, framework_id=framework.pk, key=key, name=name, sort_order=order)
        if sid is not None:
            found.append((s_order, sid, {"id": sid, "project_id": project_id, "points": points, "method": method}))
    # as `_standards` lists them: the standards' own order (framework, sort_order, id)
    standards = {sid: row for _order, sid, row in sorted(found, key=lambda f: (f[0], f[1]))}
    return standards, list(projects.values())


def _scores(query: FigureQuery) -> tuple[Decimal, list[int]]:
    """The simulated score and the inspections behind it, with the other periods the page asks: one query for the
    editions, one per kind of row for the tallies (`_collect`), the edition's projects and standards once."""

    def run(periods: list[Period]) -> list[tuple[Decimal, list[int]]]:
        frameworks = _frameworks(periods, query.filters.get("framework"))
        out: list[tuple[Decimal, list[int]]] = [(Decimal(0), [])] * len(periods)
        for framework in {f.pk: f for f in frameworks if f is not None}.values():
            at = [i for i, f in enumerate(frameworks) if f is not None and f.pk == framework.pk]
            collected = _collect(framework, [periods[i] for i in at], _ids(query))
            standards, projects = _framework_tree(framework)
            for i, c in zip(at, collected, strict=True):
                result = roll_up(framework, periods[i], None, c, _ids(query), standards, projects)
                out[i] = (result.score or Decimal(0), result.inspection_ids)
        return out

    result: tuple[Decimal, list[int]] = per_period("civility.score", query, run)
    return result


def score(query: FigureQuery) -> Provided:
    value, ids = _scores(query)
    return Provided(value, ids)


def titles(query: FigureQuery) -> Provided:
    qs = _titles(query)
    n = _site_title_counts(query)["titles"]
    return lazy(Decimal(n), n, lambda: list(qs.values_list("id", flat=True)))


def register_all() -> None:
    register(
        Provider(
            "civility_sites_inspected",
            "测评点位数",
            "个",
            LINE,
            "civility.site",
            sites_inspected,
            rows_url="civility:site_list",
            description="期内开展过实地测评（不含复查）的点位，按责任单位统计",
        ),
        Provider(
            "civility_problems_found",
            "发现问题数",
            "个",
            LINE,
            "civility.problem",
            _problems("found"),
            rows_url="civility:problem_list",
            description="期内实地测评发现的问题（每个不达标标准一个）",
        ),
        Provider(
            "civility_problems_rectified",
            "问题销号数",
            "个",
            LINE,
            "civility.problem",
            _problems("rectified"),
            rows_url="civility:problem_list",
            description="期内复查通过、已销号的问题",
        ),
        Provider(
            "civility_problems_overdue",
            "逾期未整改问题数",
            "个",
            LINE,
            "civility.problem",
            _problems("overdue"),
            rows_url="civility:problem_list",
            description="期末（或今天）已过整改期限仍未销号的问题",
        ),
        Provider(
            "civility_problems_recurring",
            "反复出现问题数",
            "个",
            LINE,
            "civility.problem",
            _problems("recurring"),
            rows_url="civility:problem_list",
            description="期内发现、且同一点位同一标准在规定天数内出现过的问题",
        ),
        Provider(
            "civility_ontime_rate",
            "问题按时整改率",
            "%",
            LINE,
            "civility.problem",
            ontime_rate,
            rows_url="civility:problem_list",
            is_rate=True,
            description="期内销号的问题中，在整改期限内销号的比例",
        ),
        Provider(
            "civility_score",
            "模拟测评得分",
            "分",
            LINE,
            "civility.inspection",
            score,
            is_rate=True,
            rows_url="civility:inspection_list",
            description="按测评体系逐项计分：达标率×分值之和÷已测评标准分值之和×100（见文明创建说明）",
        ),
        Provider(
            "civility_titles",
            "文明称号数",
            "个",
            LINE,
            "civility.title",
            titles,
            rows_url="civility:title_list",
            description="期末有效的文明称号（可按类别 kind、级别 level 筛选）",
        ),
    )
