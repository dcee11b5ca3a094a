"""Role-model figures as computed metrics (taizhang.ledger.providers) on the ledger's role-model line
(``role_models``): people selected (选树典型人数) from the honours in the library, and promotion (宣传报道篇数) from
the promotion activities. The line's reported metrics (rm_good_people …) stay as they are: units that report
selections in the ledger keep doing so; these count what this app holds.

Filters: ``level`` (national / provincial / municipal / district / street) and ``title`` (part of the honour's
title, e.g. 好人) for the honours; ``kind`` (article / lecture / video / other) for promotion.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from taizhang.core.periods import Period
from taizhang.ledger.dashboard_prefetch import any_of, one_row, per_period, within
from taizhang.ledger.providers import FigureQuery, Provided, Provider, lazy, register

from .models import Honour, Promotion

LINE = "role_models"


def _honours(q: FigureQuery) -> QuerySet[Honour]:
    qs: Any = Honour.objects.filter(awarded_on__gte=q.period.start, awarded_on__lte=q.period.end)
    if q.unit_ids is not None:
        qs = qs.filter(unit_id__in=q.unit_ids)
    if q.filters.get("level"):
        qs = qs.filter(level=str(q.filters["level"]))
    if q.filters.get("title"):
        qs = qs.filter(title__contains=str(q.filters["title"]))
    return qs


def _promotions(q: FigureQuery) -> QuerySet[Promotion]:
    qs: Any = Promotion.objects.filter(happened_on__gte=q.period.start, happened_on__lte=q.period.end)
    if q.unit_ids is not None:
        qs = qs.filter(unit_id__in=q.unit_ids)
    if q.filters.get("kind"):
        qs = qs.filter(kind=str(q.filters["kind"]))
    return qs


def _counts(q: FigureQuery) -> dict[str, int]:
    """Honours, the people behind them, promotions and articles: one statement for this period and the others
    the page asks (`ledger.dashboard_prefetch`), one FILTER per period."""

    def run(periods: list[Period]) -> list[dict[str, int]]:
        whole = replace(q, period=Period(min(p.start for p in periods), max(p.end for p in periods), "", "range"))
        honours, promotions = one_row(
            (
                _honours(whole).filter(any_of(periods, "awarded_on")),
                {
                    name: agg
                    for i, p in enumerate(periods)
                    for name, agg in (
                        (f"honours{i}", Count("id", filter=within(p, "awarded_on"))),
                        (f"people{i}", Count("role_model_id", distinct=True, filter=within(p, "awarded_on"))),
                    )
                },
            ),
            (
                _promotions(whole).filter(any_of(periods, "happened_on")),
                {
                    name: agg
                    for i, p in enumerate(periods)
                    for name, agg in (
                        (f"promotions{i}", Count("id", filter=within(p, "happened_on"))),
                        (f"articles{i}", Count("id", filter=within(p, "happened_on") & Q(kind=Promotion.Kind.ARTICLE))),
                    )
                },
            ),
        )
        got = {**honours, **promotions}
        names = ("honours", "people", "promotions", "articles")
        return [{name: int(got[f"{name}{i}"] or 0) for name in names} for i in range(len(periods))]

    result: dict[str, int] = per_period("honours.counts", q, run)
    return result


def _ids(qs: QuerySet[Any]) -> Any:
    return lambda: list(qs.order_by("id").values_list("id", flat=True))


def selected(q: FigureQuery) -> Provided:
    """People honoured in the period (one person honoured twice in the period counts once); the ids are the
    honours behind them."""
    counts = _counts(q)
    return lazy(Decimal(counts["people"]), counts["honours"], _ids(_honours(q)))


def honours(q: FigureQuery) -> Provided:
    n = _counts(q)["honours"]
    return lazy(Decimal(n), n, _ids(_honours(q)))


def articles(q: FigureQuery) -> Provided:
    n = _counts(q)["articles"]
    return lazy(Decimal(n), n, _ids(_promotions(q).filter(kind=Promotion.Kind.ARTICLE)))


def promotions(q: FigureQuery) -> Provided:
    n = _counts(q)["promotions"]
    return lazy(Decimal(n), n, _ids(_promotions(q)))


PROVIDERS = [
    Provider(
        "honours_selected",
        "选树典型人数",
        "名",
        LINE,
        "honours.honour",
        selected,
        rows_url="honours:honour_rows",
        description="期内获授荣誉（本级评选发布或登记的上级荣誉）的人数，同一人期内多项荣誉计一人；"
        "可按级别（level）和称号（title）筛选。",
    ),
    Provider(
        "honours_awarded",
        "授予典型荣誉",
        "项",
        LINE,
        "honours.honour",
        honours,
        rows_url="honours:honour_rows",
        description="期内授予的先进典型荣誉项数；可按级别（level）和称号（title）筛选。",
    ),
    Provider(
        "honours_articles",
        "典型宣传报道篇数",
        "篇",
        LINE,
        "honours.promotion",
        articles,
        rows_url="honours:promotion_rows",
        description="期内登记的先进典型宣传报道篇数（典型库中的宣传活动，形式为宣传报道）。",
    ),
    Provider(
        "honours_promotions",
        "典型宣传活动",
        "次",
        LINE,
        "honours.promotion",
        promotions,
        rows_url="honours:promotion_rows",
        description="期内登记的先进典型宣传活动（报道、宣讲、视频等）次数；可按形式（kind）筛选。",
    ),
]


def register_all() -> None:
    register(*PROVIDERS)
