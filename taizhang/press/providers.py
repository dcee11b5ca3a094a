"""Press figures as computed metrics (ledger.providers): new-media accounts and checks, conferences,
correspondents. Reads, likes and followers are described, never used to rank units (2024 rules against digital
formalism): they are figures here and nothing in the assessment schemes uses them by default."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from taizhang.core.periods import Period
from taizhang.ledger.dashboard_prefetch import one_row, per_period
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


def _accounts(query: FigureQuery) -> QuerySet[NewMediaAccount]:
    qs = NewMediaAccount.objects.filter(state=NewMediaAccount.State.ACTIVE, opened_on__lte=query.period.end)
    return _platform(_units(qs, query), query)


def _conferences(query: FigureQuery) -> QuerySet[Conference]:
    qs = _units(
        Conference.objects.filter(
            date__range=(query.period.start, query.period.end),
            state__in=(Conference.State.HELD, Conference.State.ARCHIVED),
        ),
        query,
    )
    return qs.filter(by_leader=True) if query.filters.get("by_leader") else qs


def _adopted(query: FigureQuery) -> QuerySet[Submission]:
    qs = _units(
        Submission.objects.filter(
            result=Submission.Result.ADOPTED, adopted_on__range=(query.period.start, query.period.end)
        ),
        query,
    )
    level = query.filters.get("level")
    return qs.filter(level=level) if level else qs


def _in(p: Period, field: str) -> Q:
    return Q(**{f"{field}__range": (p.start, p.end)})


def _any(periods: list[Period], field: str) -> Q:
    out = Q()
    for p in periods:
        out |= _in(p, field)
    return out


_COUNTS = ("accounts", "posts", "reads", "stats", "checks", "passed", "conferences", "submissions", "adopted")


def _counts(query: FigureQuery) -> dict[str, int]:
    """The counts and sums behind the press figures (accounts, posts and reads, checks, conferences, submissions,
    adoptions): one statement over five tables for this period and the others the page asks
    (`ledger.dashboard_prefetch`), one FILTER per period."""

    def run(periods: list[Period]) -> list[dict[str, int]]:
        whole = replace(query, period=Period(min(p.start for p in periods), max(p.end for p in periods), "", "range"))
        each = list(enumerate(periods))
        parts: list[tuple[QuerySet[Any], dict[str, Any]]] = [
            (_accounts(whole), {f"accounts{i}": Count("id", filter=Q(opened_on__lte=p.end)) for i, p in each}),
            (
                _stats(whole).filter(_any(periods, "period_end")),
                {
                    name: agg
                    for i, p in each
                    for name, agg in (
                        (f"posts{i}", Sum("posts", filter=_in(p, "period_end"))),
                        (f"reads{i}", Sum("reads", filter=_in(p, "period_end"))),
                        (f"stats{i}", Count("id", filter=_in(p, "period_end"))),
                    )
                },
            ),
            (
                _checks(whole).filter(_any(periods, "check_date")),
                {
                    name: agg
                    for i, p in each
                    for name, agg in (
                        (f"checks{i}", Count("id", filter=_in(p, "check_date"))),
                        (f"passed{i}", Count("id", filter=_in(p, "check_date") & Q(result=AccountCheck.Result.PASSED))),
                    )
                },
            ),
            (
                _conferences(whole).filter(_any(periods, "date")),
                {f"conferences{i}": Count("id", filter=_in(p, "date")) for i, p in each},
            ),
            (
                _submissions(whole).filter(_any(periods, "submitted_on")),
                {f"submissions{i}": Count("id", filter=_in(p, "submitted_on")) for i, p in each},
            ),
            (
                _adopted(whole).filter(_any(periods, "adopted_on")),
                {f"adopted{i}": Count("id", filter=_in(p, "adopted_on")) for i, p in each},
            ),
        ]
        got: dict[str, Any] = {}
        for answer in one_row(*parts):
            got.update(answer)
        return [{name: int(got[f"{name}{i}"] or 0) for name in _COUNTS} for i in range(len(periods))]

    result: dict[str, int] = per_period("press.counts", query, run)
    return result


def _lazy_count(n: int, qs: QuerySet[Any]) -> Provided:
    """A count from the shared statement; the ids listed only when read (opened, pinned in a document)."""
    qs = qs.order_by()
    return lazy(Decimal(n), n, lambda: _ids(qs.values_list("id", flat=True)))


def accounts(query: FigureQuery) -> Provided:
    """Accounts running at the end of the period (opened by then, not closed or suspended now)."""
    return _lazy_count(_counts(query)["accounts"], _accounts(query))


def _stats(query: FigureQuery) -> QuerySet[AccountStat]:
    qs = AccountStat.objects.filter(period_end__range=(query.period.start, query.period.end))
    return _platform(_units(qs, query, "account__unit_id"), query, "account__platform")


def _stat_sum(field: str) -> Any:
    def compute(query: FigureQuery) -> Provided:
        qs = _stats(query).order_by()
        counts = _counts(query)
        n = counts["stats"]
        return lazy(Decimal(counts[field]), n, lambda: _ids(qs.values_list("id", flat=True)))

    return compute


def _stat_rows(query: FigureQuery) -> list[tuple[int, int, Any, int]]:
    """(id, account, period end, followers) of the period's statistics, newest first, read with the other
    periods the page asks (one query)."""

    def run(periods: list[Period]) -> list[list[tuple[int, int, Any, int]]]:
        whole = replace(query, period=Period(min(p.start for p in periods), max(p.end for p in periods), "", "range"))
        rows = list(
            _stats(whole)
            .filter(_any(periods, "period_end"))
            .values_list("id", "account_id", "period_end", "total_followers")
        )
        return [[r for r in rows if p.start <= r[2] <= p.end] for p in periods]

    result: list[tuple[int, int, Any, int]] = per_period("press.stat_rows", query, run)
    return result


def followers(query: FigureQuery) -> Provided:
    """Each account's latest follower total reported in the period, summed."""
    latest: dict[int, tuple[Any, int, int]] = {}
    for stat_id, account_id, end, total in _stat_rows(query):
        if account_id not in latest or end > latest[account_id][0]:
            latest[account_id] = (end, total, stat_id)
    return Provided(Decimal(sum(v[1] for v in latest.values())), _ids(v[2] for v in latest.values()))


def dormant_as_of(period: Period, today: datetime.date | None = None) -> datetime.date:
    """The day the 14-day rule is applied on for a period: its end, or today while it is still running (the
    account register's flags are today's: a running year's end lies in the future, when every account would
    have gone two weeks without a post)."""
    return min(period.end, today or timezone.localdate())


def dormant(query: FigureQuery) -> Provided:
    """Running accounts with no post in the 14 days up to the period's end (today for a running period): the
    register's 长期未更新 (press.rules.dormancy_flag). For a past day, an account whose last post is later than that
    day is judged by the latest post its statistics reported on or before it (not counted without such statistics:
    nothing shows it was quiet then)."""
    on = dormant_as_of(query.period)
    qs = _platform(
        _units(NewMediaAccount.objects.filter(state=NewMediaAccount.State.ACTIVE, opened_on__lte=on), query),
        query,
    )
    accounts = list(qs.order_by().values_list("id", "last_post_date", "opened_on"))
    later = [pk for pk, last, _opened in accounts if last is not None and last > on]
    known: dict[int, datetime.date] = {}
    if later:
        known = dict(
            AccountStat.objects.filter(account_id__in=later, last_post_date__lte=on)
            .order_by()
            .values("account_id")
            .annotate(last=Max("last_post_date"))
            .values_list("account_id", "last")
        )
    ids = []
    for pk, last, opened in accounts:
        if last is not None and last > on:
            if pk not in known:
                continue  # it posted since; no statistics tell how quiet it was then: not counted
            last = known[pk]
        if rules.dormancy_flag(rules.days_since(last, on, opened)) == "dormant":
            ids.append(pk)
    return Provided(Decimal(len(ids)), _ids(ids))


def _checks(query: FigureQuery) -> QuerySet[AccountCheck]:
    qs = AccountCheck.objects.filter(
        check_date__range=(query.period.start, query.period.end), recheck_of__isnull=True
    ).exclude(result=AccountCheck.Result.PENDING)
    return _platform(_units(qs, query, "account__unit_id"), query, "account__platform")


def checks(query: FigureQuery) -> Provided:
    return _lazy_count(_counts(query)["checks"], _checks(query))


def pass_rate(query: FigureQuery) -> Provided:
    qs = _checks(query).order_by()
    counts = _counts(query)
    n = counts["checks"]
    return lazy(rate(counts["passed"], n), n, lambda: _ids(qs.values_list("id", flat=True)))


def conferences(query: FigureQuery) -> Provided:
    return _lazy_count(_counts(query)["conferences"], _conferences(query))


def _skipped_ids(query: FigureQuery) -> list[int]:
    """Plans of the period not held: one query of the plans with whether a held conference answers each, read with
    the other periods the page asks."""

    def run(periods: list[Period]) -> list[list[int]]:
        held = Conference.objects.filter(
            plan_id=OuterRef("pk"), state__in=(Conference.State.HELD, Conference.State.ARCHIVED)
        )
        plans = _units(ConferencePlan.objects.filter(_any(periods, "planned_date")), query)
        rows = list(plans.annotate(held=Exists(held)).order_by().values_list("id", "planned_date", "held"))
        return [_ids(pk for pk, day, was_held in rows if p.start <= day <= p.end and not was_held) for p in periods]

    result: list[int] = per_period("press.skipped", query, run)
    return result


def skipped(query: FigureQuery) -> Provided:
    """Planned conferences whose planned date fell in the period and that were not held."""
    ids = _skipped_ids(query)
    return Provided(Decimal(len(ids)), ids)


def _submissions(query: FigureQuery) -> QuerySet[Submission]:
    return _units(Submission.objects.filter(submitted_on__range=(query.period.start, query.period.end)), query)


def submissions(query: FigureQuery) -> Provided:
    return _lazy_count(_counts(query)["submissions"], _submissions(query))


def adopted(query: FigureQuery) -> Provided:
    return _lazy_count(_counts(query)["adopted"], _adopted(query))


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
            "期末（期间未结束时为今天）前 14 天内无更新的运行中账号（单项否决），与账号列表的“长期未更新”一致",
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
