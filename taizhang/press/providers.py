"""Press figures as computed metrics (ledger.providers): new-media accounts and checks, conferences,
correspondents. Reads, likes and followers are described, never used to rank units (2024 rules against digital
formalism): they are figures here and nothing in the assessment schemes uses them by default."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from taizhang.ledger.providers import FigureQuery, Provided, Provider, lazy, rate, register
from taizhang.press import rules
from taizhang.press.models import (
    PLATFORM_NAMES,
    AccountCheck,
    AccountStat,
    Conference,
    ConferencePlan,
    NewMediaAccount,
    Submission,
)


def _units(qs: QuerySet[Any], query: FigureQuery, field: str = "unit_id") -> QuerySet[Any]:
    return qs if query.unit_ids is None else qs.filter(**{f"{field}__in": query.unit_ids})


def _platform(qs: QuerySet[Any], query: FigureQuery, field: str = "platform") -> QuerySet[Any]:
    platform = query.filters.get("platform")
    if platform:
        if platform not in PLATFORM_NAMES:
            from taizhang.core.errors import InvalidInput

            raise InvalidInput(f"未知平台“{platform}”")
        qs = qs.filter(**{field: platform})
    return qs


def _ids(values: Iterable[int]) -> list[int]:
    return sorted(values)


def _counted(qs: QuerySet[Any]) -> Provided:
    """A count by one aggregate; the ids listed only when read (opened, pinned in a document)."""
    qs = qs.order_by()
    n = qs.count()
    return lazy(Decimal(n), n, lambda: _ids(qs.values_list("id", flat=True)))


def accounts(query: FigureQuery) -> Provided:
    """Accounts running at the end of the period (opened by then, not closed or suspended now)."""
    qs = NewMediaAccount.objects.filter(state=NewMediaAccount.State.ACTIVE, opened_on__lte=query.period.end)
    return _counted(_platform(_units(qs, query), query))


def _stats(query: FigureQuery) -> QuerySet[AccountStat]:
    qs = AccountStat.objects.filter(period_end__range=(query.period.start, query.period.end))
    return _platform(_units(qs, query, "account__unit_id"), query, "account__platform")


def _stat_sum(field: str) -> Any:
    def compute(query: FigureQuery) -> Provided:
        qs = _stats(query).order_by()
        got = qs.aggregate(total=Sum(field), n=Count("id"))
        n = int(got["n"] or 0)
        return lazy(Decimal(got["total"] or 0), n, lambda: _ids(qs.values_list("id", flat=True)))

    return compute


def followers(query: FigureQuery) -> Provided:
    """Each account's latest follower total reported in the period, summed."""
    latest: dict[int, tuple[Any, int, int]] = {}
    for stat_id, account_id, end, total in _stats(query).values_list(
        "id", "account_id", "period_end", "total_followers"
    ):
        if account_id not in latest or end > latest[account_id][0]:
            latest[account_id] = (end, total, stat_id)
    return Provided(Decimal(sum(v[1] for v in latest.values())), _ids(v[2] for v in latest.values()))


def dormant(query: FigureQuery) -> Provided:
    """Accounts with no post in the 14 days up to the end of the period."""
    qs = _platform(
        _units(
            NewMediaAccount.objects.filter(state=NewMediaAccount.State.ACTIVE, opened_on__lte=query.period.end), query
        ),
        query,
    )
    ids = [
        a.pk
        for a in qs.only("id", "last_post_date", "opened_on")
        if rules.dormancy_flag(rules.days_since(a.last_post_date, query.period.end, a.opened_on)) == "dormant"
    ]
    return Provided(Decimal(len(ids)), _ids(ids))


def _checks(query: FigureQuery) -> QuerySet[AccountCheck]:
    qs = AccountCheck.objects.filter(
        check_date__range=(query.period.start, query.period.end), recheck_of__isnull=True
    ).exclude(result=AccountCheck.Result.PENDING)
    return _platform(_units(qs, query, "account__unit_id"), query, "account__platform")


def checks(query: FigureQuery) -> Provided:
    return _counted(_checks(query))


def pass_rate(query: FigureQuery) -> Provided:
    qs = _checks(query).order_by()
    got = qs.aggregate(n=Count("id"), ok=Count("id", filter=Q(result=AccountCheck.Result.PASSED)))
    n = int(got["n"] or 0)
    return lazy(rate(int(got["ok"] or 0), n), n, lambda: _ids(qs.values_list("id", flat=True)))


def conferences(query: FigureQuery) -> Provided:
    qs = _units(
        Conference.objects.filter(
            date__range=(query.period.start, query.period.end),
            state__in=(Conference.State.HELD, Conference.State.ARCHIVED),
        ),
        query,
    )
    if query.filters.get("by_leader"):
        qs = qs.filter(by_leader=True)
    return _counted(qs)


def skipped(query: FigureQuery) -> Provided:
    """Planned conferences whose planned date fell in the period and that were not held."""
    plans = _units(ConferencePlan.objects.filter(planned_date__range=(query.period.start, query.period.end)), query)
    held = Conference.objects.filter(plan__in=plans, state__in=(Conference.State.HELD, Conference.State.ARCHIVED))
    ids = _ids(set(plans.values_list("id", flat=True)) - set(held.values_list("plan_id", flat=True)))
    return Provided(Decimal(len(ids)), ids)


def _submissions(query: FigureQuery) -> QuerySet[Submission]:
    return _units(Submission.objects.filter(submitted_on__range=(query.period.start, query.period.end)), query)


def submissions(query: FigureQuery) -> Provided:
    return _counted(_submissions(query))


def adopted(query: FigureQuery) -> Provided:
    qs = _units(
        Submission.objects.filter(
            result=Submission.Result.ADOPTED, adopted_on__range=(query.period.start, query.period.end)
        ),
        query,
    )
    level = query.filters.get("level")
    if level:
        qs = qs.filter(level=level)
    return _counted(qs)


def points(query: FigureQuery) -> Provided:
    from taizhang.press.actions.correspondents import scores

    result = scores(query.period, unit_ids=query.unit_ids)
    return Provided(sum((s.points for s in result), Decimal(0)), _ids(i for s in result for i in s.submissions))


def register_all() -> None:
    nm, pc, co = "new_media", "press_conference", "correspondents"
    register(
        Provider(
            "newmedia_accounts",
            "政务新媒体账号数",
            "个",
            nm,
            "press.newmediaaccount",
            accounts,
            "press:account_list",
            "期末运行中的账号（已备案开通、未暂停或关停）；可按平台筛选",
        ),
        Provider(
            "newmedia_posts",
            "政务新媒体发文量",
            "篇",
            nm,
            "press.accountstat",
            _stat_sum("posts"),
            "press:stat_list",
            "各账号统计期内发文数之和（仅描述，不用于单位排名）",
        ),
        Provider(
            "newmedia_reads",
            "政务新媒体阅读量",
            "次",
            nm,
            "press.accountstat",
            _stat_sum("reads"),
            "press:stat_list",
            "各账号统计期内阅读/播放量之和（仅描述，不用于单位排名）",
        ),
        Provider(
            "newmedia_followers",
            "政务新媒体关注总数",
            "人",
            nm,
            "press.accountstat",
            followers,
            "press:stat_list",
            "各账号期内最近一次统计的关注总数之和（仅描述，不用于单位排名）",
        ),
        Provider(
            "newmedia_dormant",
            "长期未更新账号",
            "个",
            nm,
            "press.newmediaaccount",
            dormant,
            "press:account_list",
            "期末前 14 天内无更新的运行中账号（单项否决）",
        ),
        Provider(
            "newmedia_checks",
            "新媒体检查次数",
            "次",
            nm,
            "press.accountcheck",
            checks,
            "press:check_list",
            "期内已出结论的检查（不含复查）",
        ),
        Provider(
            "newmedia_pass_rate",
            "新媒体检查合格率",
            "%",
            nm,
            "press.accountcheck",
            pass_rate,
            "press:check_list",
            "合格检查数 ÷ 已出结论检查数（不含复查）",
            is_rate=True,
        ),
        Provider(
            "press_conferences_held",
            "召开新闻发布会",
            "场",
            pc,
            "press.conference",
            conferences,
            "press:conference_list",
            "期内已召开（含已归档）的发布会；by_leader=1 只计主要负责同志发布",
        ),
        Provider(
            "press_conferences_skipped",
            "计划未召开发布会",
            "场",
            pc,
            "press.conferenceplan",
            skipped,
            "press:plan_list",
            "计划日期在期内、未召开的年度计划发布会",
        ),
        Provider(
            "correspondent_submissions",
            "通讯员投稿",
            "篇",
            co,
            "press.submission",
            submissions,
            "press:submission_list",
            "期内投稿的稿件数",
        ),
        Provider(
            "correspondent_adopted",
            "通讯员稿件采用",
            "篇",
            co,
            "press.submission",
            adopted,
            "press:submission_list",
            "期内被采用的稿件数；可按媒体级别筛选（level）",
        ),
        Provider(
            "correspondent_points",
            "通讯员积分",
            "分",
            co,
            "press.submission",
            points,
            "press:submission_list",
            "同一稿件只按最高级别计一次，分值见积分规则",
        ),
    )
