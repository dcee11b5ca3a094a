"""数字溯源 on the record list: the records behind one figure, as a filter of the record list and its Excel export.

A dashboard figure's drill-down link carries the figure's query (`?metric=&period=&unit=[&level=]`); the record list
takes the same parameters and lists exactly the records the figure counts, however many: the ids are the figure's
own query (`FigureResult.id_query()`, a `figures.LedgerQuery`) used as a subquery, never listed in Python. For a
stock (MAX) metric they are each unit's record holding the highest value, as the figure sums them. The viewer's
scope still applies (the list starts from `Record.objects.visible_to(user, Cap.VIEW)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import Period
from taizhang.ledger.figures import NO_LEVEL, FigureResult, compute
from taizhang.ledger.models import MetricDefinition, Outlet, Record
from taizhang.org.models import Unit

LEVEL_LABELS: dict[str, str] = {**dict(Outlet.Level.choices), NO_LEVEL: "未分级"}
"""The drill-down's `level` values: an outlet level, or "none" for placements without one."""


@dataclass(frozen=True)
class FigureFilter:
    """The records behind one figure: a metric over a period and a unit's subtree (None: every unit the viewer
    sees), optionally one outlet level; `figure` is that figure as `compute` gives it."""

    metric: MetricDefinition
    period: Period
    unit: Unit | None
    level: str
    figure: FigureResult

    @property
    def count(self) -> int:
        """How many records are behind the figure (its `count`: what the dashboard's number counts)."""
        return self.figure.count

    def apply(self, qs: QuerySet[Record]) -> QuerySet[Record]:
        return qs.filter(pk__in=self.figure.id_query())

    @property
    def stock(self) -> bool:
        return self.metric.aggregation == MetricDefinition.Aggregation.MAX

    @property
    def description(self) -> str:
        """「文明单位总数」2024年 东城街道（含下级）（媒体级别：中央）"""
        where = f"{self.unit.name}（含下级）" if self.unit is not None else "全部单位"
        level = f"（媒体级别：{LEVEL_LABELS[self.level]}）" if self.level else ""
        return f"「{self.metric.name}」{self.period.label} {where}{level}"


def _refuse(key: str, message: str) -> InvalidInput:
    return InvalidInput(message, {key: [message]})


def figure_filter(
    metric_key: str, *, period: Period | None, unit: Unit | None, level: str = "", user: Any = None
) -> FigureFilter:
    """The record filter of the figure `metric_key` over `period` and `unit` (with its subtree) as `user` sees it
    (None: unrestricted; the queryset filtered is scoped anyway). Bad input raises InvalidInput in Chinese."""
    key, level = (metric_key or "").strip(), (level or "").strip()
    if not key:
        raise _refuse("level", "按媒体级别筛选记录时须同时指定指标（请从数据看板的数字打开）")
    metric = MetricDefinition.objects.filter(key=key).select_related("line").first()
    if metric is None:
        raise _refuse("metric", f"指标“{key}”不存在，请从数据看板重新打开该数字")
    if metric.source == MetricDefinition.Source.COMPUTED:
        raise _refuse("metric", f"“{metric.name}”由系统计算，明细不是台账记录，请从数据看板点击该数字查看")
    if level and level not in LEVEL_LABELS:
        choices = "、".join(f"{k}（{v}）" for k, v in LEVEL_LABELS.items())
        raise _refuse("level", f"媒体级别“{level}”无效，可选：{choices}")
    if period is None:
        raise _refuse("period", f"按指标“{metric.name}”查看记录时须指定时间段")
    figure = compute(metric, period=period, unit=unit, user=user, outlet_level=level or None)
    return FigureFilter(metric=metric, period=period, unit=unit, level=level, figure=figure)
