"""How the dashboard writes a value and its 同比: rounding, rates and averages without rows, and when a change in
percent means nothing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from taizhang.ledger.figures import change_ratio
from taizhang.ledger.models import MetricDefinition


# ---------------------------------------------------------------------------------------------------------------
# Figures with 同比
# ---------------------------------------------------------------------------------------------------------------
def _num(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


SMALL_BASE = Decimal("0.01")
"""同比 in percent is shown only when last year's base is at least this share of this period's — in value and in
the rows behind it. Below it (e.g. 7 activities against 819: ↑11600.0%; a system taken into use late last year)
a percentage says nothing: the tile shows "—" with the reason (and last year's value next to it)."""


def shown(metric: MetricDefinition, value: Decimal) -> Decimal:
    """A value as the dashboard writes it: rates, averages and other measures to one decimal (money to two, as
    亿元/万元 are written), half up; whole numbers as they are. 82.3963% → 82.4%, 7.6375小时 → 7.6小时."""
    if value == value.to_integral_value():
        return value
    places = Decimal("0.01") if metric.kind == MetricDefinition.Kind.MONEY else Decimal("0.1")
    return value.quantize(places, ROUND_HALF_UP)


def averaged(metric: MetricDefinition) -> bool:
    """A rate or an average: without rows behind it there is no value (not 0)."""
    return (metric.kind == MetricDefinition.Kind.PERCENT or metric.aggregation == MetricDefinition.Aggregation.AVG
            or metric.measure_word == "%")


@dataclass(frozen=True)
class Change:
    """同比: a relative change in percent, or for rates a difference in percentage points. `reason` (with no
    value): why none is shown — "none" (no rows last year), "small" (base below SMALL_BASE), "new" (a real 0 last
    year, rows behind it, something now)."""

    value: Decimal | None
    points: bool = False
    reason: str = "none"

    @property
    def direction(self) -> str:
        if self.value is None:
            return "new" if self.reason == "new" else "none"
        return "up" if self.value > 0 else "down" if self.value < 0 else "flat"

    @property
    def text(self) -> str:
        if self.value is None:
            return "新增" if self.reason == "new" else "—"
        if self.value == 0:
            return "持平"
        arrow = "↑" if self.value > 0 else "↓"
        magnitude = abs(self.value)
        return f"{arrow}{magnitude:.1f}个百分点" if self.points else f"{arrow}{magnitude:.1f}%"

    @property
    def title(self) -> str:
        if self.value is None:
            if self.reason == "small":
                return "去年同期基数过小（不足本期的1%），同比百分比没有意义，不计算"
            if self.reason == "new":
                return "去年同期为0，本期新增"
            if self.reason == "zero":
                return "去年同期为0，无法计算同比"
            return "去年同期无数据，无法计算同比"
        return "同比变化（百分点）" if self.points else "同比增减幅度"


def change_between(metric: MetricDefinition, current: Decimal, previous: Decimal, has_previous: bool, *,
                   current_count: int | None = None, previous_count: int | None = None) -> Change:
    """同比 of a figure. Rates: the difference in points (none without rows last year). Others: the change in
    percent, except without rows last year ("—"), from a real 0 ("新增" when there is something now) and when last
    year's value or rows are below SMALL_BASE of this period's ("—": see SMALL_BASE)."""
    if metric.kind == MetricDefinition.Kind.PERCENT:
        if not has_previous:
            return Change(None, points=True)
        return Change((current - previous).quantize(Decimal("0.1")), points=True)
    if not has_previous:
        return Change(None)
    if previous == 0:
        return Change(None, reason="new" if current > 0 else "zero")
    if current > 0 and previous > 0 and previous < current * SMALL_BASE:
        return Change(None, reason="small")
    if current_count and previous_count is not None and previous_count < current_count * SMALL_BASE:
        return Change(None, reason="small")
    return Change(change_ratio(current, previous))
