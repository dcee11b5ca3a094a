"""Study-platform figures as computed metrics: the latest week in the period, for the units in scope."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from taizhang.ledger.providers import FigureQuery, Provided, Provider, memo_key, memoized, register
from taizhang.study.stats import latest_week, totals


def _latest(query: FigureQuery, attr: str) -> Provided:
    def run() -> Any:
        week = latest_week(query.period.end, query.unit_ids)
        if week is None or week < query.period.start - datetime.timedelta(days=6):
            return None
        return totals(week, query.unit_ids)

    # the four figures read the same week's totals: computed once per page of figures (providers.memoized)
    result = memoized(memo_key("study.latest", query), run)
    if result is None:
        return Provided(Decimal(0), [])
    return Provided(Decimal(getattr(result, attr)), result.weeks)


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
        Provider("study_learners", "学习平台注册学员", "人", line, "study.studyweek", learners, "study:week_list",
                 "期内最近一周各组织已注册学员之和（仅作描述，不用于排名考核）"),
        Provider("study_registration_rate", "学习平台注册率", "%", line, "study.studyweek", registration,
                 "study:week_list", "期内最近一周：已注册学员 ÷ 应注册人数", is_rate=True),
        Provider("study_active_rate", "学习平台活跃率", "%", line, "study.studyweek", active, "study:week_list",
                 "期内最近一周：活跃学员 ÷ 已注册学员", is_rate=True),
        Provider("study_average_points", "学习平台人均积分", "分", line, "study.studyweek", average,
                 "study:week_list", "期内最近一周：本周积分 ÷ 已注册学员", is_rate=True),
    )
