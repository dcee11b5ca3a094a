"""The national indicators for government new media (《政府网站与政务新媒体检查指标》, 国办秘函〔2019〕19号) as data,
and the dormancy rule. Dates, not working days: the indicators count calendar days."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    veto: bool  # 单项否决: failing it fails the check whatever the score
    deduction: Decimal = Decimal(0)  # points taken off 100 when it fails
    automatic: bool = False  # decided by the system (last post date), not by the checker


INDICATORS: tuple[Indicator, ...] = (
    Indicator("no_update", "两周内无更新", veto=True, automatic=True),
    Indicator("no_interaction", "互动回应差（留言长期不回复、答非所问）", veto=True),
    Indicator("serious_error", "出现严重表述错误", veto=True),
    Indicator("late_update", "更新不及时（重要信息未及时发布）", veto=False, deduction=Decimal(20)),
    Indicator("broken_function", "功能异常（菜单、链接、服务不可用）", veto=False, deduction=Decimal(15)),
    Indicator("unrelated_content", "发布与政务无关的内容", veto=False, deduction=Decimal(20)),
    Indicator("commercial_content", "发布商业广告", veto=False, deduction=Decimal(30)),
    Indicator("wording_error", "一般表述错误、错别字", veto=False, deduction=Decimal(10)),
    Indicator("no_filing", "未按规定备案或信息不一致", veto=False, deduction=Decimal(10)),
)
INDICATOR_BY_KEY = {i.key: i for i in INDICATORS}
PASS_SCORE = Decimal(60)

#: Days since the last post at which an account is warned, warned again, and found dormant (单项否决).
WARNING_DAYS = 7
URGENT_DAYS = 10
DORMANT_DAYS = 14


def days_since(
    last_post: datetime.date | None, on: datetime.date, opened_on: datetime.date | None = None
) -> int | None:
    """Calendar days between the last post (or the opening, for an account that never posted) and `on`."""
    start = last_post or opened_on
    if start is None:
        return None
    return max(0, (on - start).days)


def dormancy_flag(days: int | None) -> str:
    """ok / warning / dormant. An account with no post and no opening date is dormant: nothing shows it lives."""
    if days is None or days >= DORMANT_DAYS:
        return "dormant"
    if days >= WARNING_DAYS:
        return "warning"
    return "ok"


FLAG_NAMES = {"ok": "正常", "warning": "预警", "dormant": "长期未更新"}


def score(failed: set[str]) -> tuple[Decimal, bool, bool]:
    """(score, vetoed, passed) for the set of failed indicator keys."""
    unknown = failed - set(INDICATOR_BY_KEY)
    if unknown:
        raise ValueError(f"未知检查项：{', '.join(sorted(unknown))}")
    vetoed = any(INDICATOR_BY_KEY[k].veto for k in failed)
    total = Decimal(100) - sum((INDICATOR_BY_KEY[k].deduction for k in failed), Decimal(0))
    total = max(Decimal(0), total)
    return total, vetoed, (not vetoed and total >= PASS_SCORE)
