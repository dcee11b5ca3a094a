"""The civility figures for `ledger.figures.compute` (registered in CivilityConfig.ready()). Each returns the
value with the ids of the rows behind it; the line is the taxonomy's "civility"."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Count, Q

from taizhang.civility.models import Inspection, Title
from taizhang.civility.periods import bounds
from taizhang.civility.scoring import collect, framework_for, problem_counts, roll_up
from taizhang.ledger.providers import FigureQuery, Provided, Provider, lazy, memo_key, memoized, rate, register

LINE = "civility"


def _ids(query: FigureQuery) -> set[int] | None:
    return None if query.unit_ids is None else set(query.unit_ids)


def sites_inspected(query: FigureQuery) -> Provided:
    start, end = bounds(query.period)
    qs = Inspection.objects.filter(kind=Inspection.Kind.REGULAR, submitted_at__gte=start, submitted_at__lt=end)
    if query.unit_ids is not None:
        qs = qs.filter(site__unit_id__in=query.unit_ids)
    if query.filters.get("site_type"):
        qs = qs.filter(site__type=query.filters["site_type"])
    qs = qs.order_by()
    n = qs.aggregate(n=Count("site_id", distinct=True))["n"] or 0
    return lazy(Decimal(n), n, lambda: sorted(set(qs.values_list("site_id", flat=True))))


def _counts(query: FigureQuery) -> Any:
    """The problem counts of a scope and period, computed once per page of figures (providers.memoized): the five
    problem figures read the same sets."""
    return memoized(memo_key("civility.problems", query), lambda: problem_counts(query.period, _ids(query)))


def _problems(field: str) -> object:
    def compute(query: FigureQuery) -> Provided:
        ids = getattr(_counts(query), field)
        return Provided(Decimal(len(ids)), sorted(ids))

    return compute


def ontime_rate(query: FigureQuery) -> Provided:
    counts = _counts(query)
    return Provided(rate(len(counts.ontime), len(counts.rectified)), sorted(counts.rectified))


def score(query: FigureQuery) -> Provided:
    framework = framework_for(query.period, query.filters.get("framework"))
    if framework is None:
        return Provided(Decimal(0), [])
    from taizhang.civility.scoring import _standards

    collected = collect(framework, query.period, _ids(query))
    standards, projects = _standards(framework)
    result = roll_up(framework, query.period, None, collected, _ids(query), standards, projects)
    return Provided(result.score or Decimal(0), result.inspection_ids)


def titles(query: FigureQuery) -> Provided:
    p = query.period
    qs = Title.objects.filter(awarded_on__lte=p.end, valid_until__gte=p.start).filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=p.end))
    if query.unit_ids is not None:
        qs = qs.filter(unit_id__in=query.unit_ids)
    for key in ("kind", "level"):
        if query.filters.get(key):
            qs = qs.filter(**{key: query.filters[key]})
    qs = qs.order_by()
    n = qs.count()
    return lazy(Decimal(n), n, lambda: list(qs.values_list("id", flat=True)))


def register_all() -> None:
    register(
        Provider("civility_sites_inspected", "测评点位数", "个", LINE, "civility.site", sites_inspected,
                 rows_url="civility:site_list", description="期内开展过实地测评（不含复查）的点位，按责任单位统计"),
        Provider("civility_problems_found", "发现问题数", "个", LINE, "civility.problem", _problems("found"),  # type: ignore[arg-type]
                 rows_url="civility:problem_list", description="期内实地测评发现的问题（每个不达标标准一个）"),
        Provider("civility_problems_rectified", "问题销号数", "个", LINE, "civility.problem",
                 _problems("rectified"), rows_url="civility:problem_list",  # type: ignore[arg-type]
                 description="期内复查通过、已销号的问题"),
        Provider("civility_problems_overdue", "逾期未整改问题数", "个", LINE, "civility.problem",
                 _problems("overdue"), rows_url="civility:problem_list",  # type: ignore[arg-type]
                 description="期末（或今天）已过整改期限仍未销号的问题"),
        Provider("civility_problems_recurring", "反复出现问题数", "个", LINE, "civility.problem",
                 _problems("recurring"), rows_url="civility:problem_list",  # type: ignore[arg-type]
                 description="期内发现、且同一点位同一标准在规定天数内出现过的问题"),
        Provider("civility_ontime_rate", "问题按时整改率", "%", LINE, "civility.problem", ontime_rate,
                 rows_url="civility:problem_list", is_rate=True,
                 description="期内销号的问题中，在整改期限内销号的比例"),
        Provider("civility_score", "模拟测评得分", "分", LINE, "civility.inspection", score, is_rate=True,
                 rows_url="civility:inspection_list",
                 description="按测评体系逐项计分：达标率×分值之和÷已测评标准分值之和×100（见文明创建说明）"),
        Provider("civility_titles", "文明称号数", "个", LINE, "civility.title", titles, rows_url="civility:title_list",
                 description="期末有效的文明称号（可按类别 kind、级别 level 筛选）"),
    )
