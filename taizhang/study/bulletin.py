"""The weekly study-platform bulletin (学习平台学习情况通报): per unit registration rate, active rate and average
points with their change on the previous week. Every number is a Figure of kind "study" that check-report
recomputes from the stored weeks. No ranking unless staff ask for one, and then with the rules' warning."""

from __future__ import annotations

import datetime
from decimal import Decimal
from itertools import count
from typing import Any

from taizhang.org.models import Unit
from taizhang.reports.document import Document, Figure, Paragraph, Table
from taizhang.study.stats import RANKING_WARNING, UnitRates, totals

FIELDS = {"registration_rate": ("注册率", "%"), "active_rate": ("活跃率", "%"), "average_points": ("人均积分", "分"),
          "registered": ("注册学员", "人"), "headcount": ("应注册人数", "人")}


def _subtree(unit: Unit) -> list[int]:
    return list(Unit.objects.filter(path__startswith=unit.path).values_list("id", flat=True))


def _fmt(value: Decimal) -> str:
    return f"{value.normalize():f}" if value != value.to_integral_value() else str(int(value))


class _Builder:
    def __init__(self, week: datetime.date) -> None:
        self.week, self.ids = week, count(1)

    def fig(self, unit: Unit, rates: UnitRates, field: str, *, bare: bool = False, week: datetime.date | None = None
            ) -> Figure:
        value = Decimal(getattr(rates, field))
        name, measure = FIELDS[field]
        text = _fmt(value) if bare else f"{_fmt(value)}{measure}"
        day = week or self.week
        return Figure(f"s{next(self.ids)}", text, value, {
            "kind": "study", "field": field, "unit": unit.code, "unit_name": unit.name, "week": day.isoformat(),
            "label": f"{unit.name}学习平台{name}", "value": str(value), "records": rates.weeks,
            "period": {"start": day.isoformat(), "end": (day + datetime.timedelta(days=6)).isoformat()}})

    def change(self, unit: Unit, now: UnitRates, before: UnitRates, field: str) -> Any:
        delta = Decimal(getattr(now, field)) - Decimal(getattr(before, field))
        if not before.weeks:
            return "—"
        sign = "+" if delta > 0 else ("" if delta == 0 else "-")
        return Figure(f"s{next(self.ids)}", f"{sign}{_fmt(abs(delta))}", delta, {
            "kind": "study", "field": field, "change": True, "unit": unit.code, "unit_name": unit.name,
            "week": self.week.isoformat(), "label": f"{unit.name}{FIELDS[field][0]}较上周变化", "value": str(delta),
            "records": sorted(now.weeks + before.weeks),
            "period": {"start": self.week.isoformat(), "end": (self.week + datetime.timedelta(days=6)).isoformat()}})


def weekly_bulletin(owner: Unit, week: datetime.date, *, issued_on: datetime.date, ranking: bool = False) -> Document:
    b = _Builder(week)
    previous = week - datetime.timedelta(days=7)
    overall = totals(week, _subtree(owner))
    blocks: list[Any] = [Paragraph("body", [
        f"现将{week:%Y年%m月%d日}至{week + datetime.timedelta(days=6):%m月%d日}学习平台学习情况通报如下。全区应注册",
        b.fig(owner, overall, "headcount"), "，已注册", b.fig(owner, overall, "registered"), "，注册率",
        b.fig(owner, overall, "registration_rate"), "；活跃率", b.fig(owner, overall, "active_rate"), "，人均积分",
        b.fig(owner, overall, "average_points"), "。"])]
    rows = []
    children = list(Unit.objects.filter(parent=owner, is_active=True).order_by("sort_order", "code"))
    data = []
    for unit in children:
        ids = _subtree(unit)
        now, before = totals(week, ids), totals(previous, ids)
        if not now.headcount:
            continue
        data.append((unit, now, before))
    if ranking:
        data.sort(key=lambda t: (-t[1].registration_rate, -t[1].active_rate, t[0].code))
    for unit, now, before in data:
        rows.append([unit.name, b.fig(unit, now, "registration_rate", bare=True),
                     b.change(unit, now, before, "registration_rate"), b.fig(unit, now, "active_rate", bare=True),
                     b.change(unit, now, before, "active_rate"), b.fig(unit, now, "average_points", bare=True)])
    blocks.append(Paragraph("heading1", ["一、各单位学习情况"]))
    if rows:
        blocks.append(Table(caption="各单位学习平台学习情况" + ("（按注册率排序，仅供内部参考）" if ranking else ""),
                            header=["单位", "注册率（%）", "较上周", "活跃率（%）", "较上周", "人均积分"], rows=rows,
                            col_widths=[4, 2, 2, 2, 2, 2]))
    else:
        blocks.append(Paragraph("body", ["本周无导入数据。"]))
    if ranking:
        blocks.append(Paragraph("body", [RANKING_WARNING]))
    blocks.append(Paragraph("heading1", ["二、有关要求"]))
    blocks.append(Paragraph("body", ["各单位要引导党员干部把学习平台作为学习的重要渠道，注重学习实效，不搞“刷分”"
                                     "“挂机”等形式主义做法。"]))
    return Document(title="学习平台学习情况通报", subtitle=f"{week:%Y年%m月%d日}当周", blocks=blocks,
                    issuer=owner.name, date=issued_on, meta={"kind": "study_bulletin", "week": week.isoformat(),
                                                             "ranking": ranking})


def recompute_figure(source: dict[str, Any], cache: dict[Any, Any]) -> Any:
    """check-report: a study figure from the stored weeks (registered in StudyConfig.ready)."""
    from taizhang.reports.sources import Recomputed

    unit = Unit.objects.filter(code=source.get("unit")).first()
    if unit is None:
        return Recomputed(None, "单位已不存在")
    week = datetime.date.fromisoformat(str(source.get("week")))
    field = str(source.get("field"))
    if field not in FIELDS:
        return Recomputed(None, "未知的统计项")
    ids = _subtree(unit)
    now = totals(week, ids)
    if source.get("change"):
        before = totals(week - datetime.timedelta(days=7), ids)
        return Recomputed(Decimal(getattr(now, field)) - Decimal(getattr(before, field)))
    return Recomputed(Decimal(getattr(now, field)), records=tuple(now.weeks))
