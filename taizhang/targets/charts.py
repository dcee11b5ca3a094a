"""ECharts options for the targets pages (drawn by app.js from json_script; data points carry drill-down urls)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

NAVY, RED, AMBER, GREEN, GREY = "#1f4e8c", "#c8161d", "#d4a017", "#2a9d8f", "#98a2b3"


@dataclass
class Chart:
    id: str
    title: str
    option: dict[str, Any] | None
    empty: str = ""
    tall: bool = False


def _num(value: Decimal | int | None) -> float | int | None:
    if value is None:
        return None
    d = Decimal(value)
    return int(d) if d == d.to_integral_value() else float(d)


def completion_chart(chart_id: str, title: str, rows: Sequence[Any], expected: Decimal,
                     urls: dict[int, str | None]) -> Chart:
    """Completion % by unit as bars (red when below 序时进度), with 序时进度 as a dashed line."""
    if not rows:
        return Chart(chart_id, title, None, empty="没有可显示的单位")
    labels, data = [], []
    many = len(rows) > 30
    if many:  # hundreds of units: the most behind first, a slider to move along
        rows = sorted(rows, key=lambda r: (r.completion is None, r.completion or 0, r.unit.code))
    for row in rows:
        labels.append(row.unit.label)
        value = _num(row.completion) if row.completion is not None else 0
        item: dict[str, Any] = {"name": row.unit.name, "value": value,
                                "itemStyle": {"color": RED if row.lagging else NAVY, "borderRadius": [3, 3, 0, 0]}}
        url = urls.get(row.unit.pk)
        if url:
            item["url"] = url
        data.append(item)
    top = max([float(expected), 100.0, *[float(d["value"] or 0) for d in data]]) * 1.1
    option: dict[str, Any] = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 96, "top": 36, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": labels,
                  "axisLabel": {"interval": 0, "rotate": 35 if len(labels) > 8 else 0, "fontSize": 11}},
        "yAxis": {"type": "value", "name": "完成率（%）", "max": round(top), "nameTextStyle": {"align": "left"}},
        "series": [{
            "name": "完成率（%）", "type": "bar", "data": data, "barMaxWidth": 26, "cursor": "pointer",
            "label": {"show": len(labels) <= 30, "position": "top", "formatter": "{c}%", "fontSize": 11},
            "markLine": {"symbol": "none", "silent": True, "data": [{"yAxis": _num(expected),
                                                                      "name": "序时进度"}],
                         "lineStyle": {"color": AMBER, "type": "dashed", "width": 2},
                         "label": {"formatter": f"序时进度\n{expected}%", "position": "end"}},
        }],
    }
    if many:
        option["dataZoom"] = [{"type": "slider", "startValue": 0, "endValue": 29, "bottom": 0, "height": 18},
                              {"type": "inside"}]
        option["grid"]["bottom"] = 30
        title += "（按完成率由低到高）"
    return Chart(chart_id, title, option, tall=len(labels) > 14)


def cumulative_chart(chart_id: str, title: str, months: Sequence[str], actual: Sequence[Decimal | None],
                     plan: Sequence[Decimal], measure_word: str) -> Chart:
    """One unit's cumulative actual by month against its plan (序时进度 in amounts)."""
    if not months:
        return Chart(chart_id, title, None, empty="没有数据")
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": list(months), "boundaryGap": False},
        "yAxis": {"type": "value", "name": measure_word},
        "series": [
            {"name": "累计完成", "type": "line", "data": [_num(v) for v in actual], "symbolSize": 7,
             "itemStyle": {"color": NAVY}, "areaStyle": {"color": NAVY, "opacity": 0.08},
             "lineStyle": {"width": 2.5}},
            {"name": "计划进度", "type": "line", "data": [_num(v) for v in plan], "symbol": "none",
             "itemStyle": {"color": AMBER}, "lineStyle": {"type": "dashed", "width": 2}},
        ],
    }
    return Chart(chart_id, title, option)


def ranking_chart(chart_id: str, title: str, results: Sequence[Any], urls: dict[int, str | None],
                  highlight: int | None = None) -> Chart:
    """Scores as horizontal bars, best at the top, labelled with the rank (the viewer's own unit in amber)."""
    if not results:
        return Chart(chart_id, title, None, empty="没有考核结果")
    ordered = sorted(results, key=lambda r: r.position, reverse=True)
    labels = [f"{r.rank}. {r.unit.label}" for r in ordered]
    data = []
    for r in ordered:
        colour = AMBER if r.unit_id == highlight else RED if r.rank == 1 else NAVY
        item: dict[str, Any] = {"name": r.unit.name, "value": _num(r.score),
                                "itemStyle": {"color": colour, "borderRadius": [0, 3, 3, 0]}}
        if urls.get(r.unit_id):
            item["url"] = urls[r.unit_id]
        data.append(item)
    option = {
        "tooltip": {"trigger": "axis", "axisPointer": {"type": "shadow"}},
        "grid": {"left": 8, "right": 48, "top": 16, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "value", "name": "得分"},
        "yAxis": {"type": "category", "data": labels, "axisLabel": {"fontSize": 12}},
        "series": [{"name": "得分", "type": "bar", "data": data, "barMaxWidth": 18, "cursor": "pointer",
                    "label": {"show": True, "position": "right", "fontSize": 11}}],
    }
    return Chart(chart_id, title, option, tall=len(labels) > 10)


def rank_trend_chart(chart_id: str, title: str, periods: Sequence[str],
                     series: Sequence[tuple[str, Sequence[int | None]]], peers: int) -> Chart:
    """Rank over periods per unit (1 at the top)."""
    if not periods or not series:
        return Chart(chart_id, title, None, empty="还没有已发布的考核结果")
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0, "type": "scroll"},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": list(periods), "boundaryGap": len(periods) == 1},
        "yAxis": {"type": "value", "inverse": True, "min": 1, "max": max(peers, 2), "minInterval": 1,
                  "name": "名次"},
        "series": [{"name": name, "type": "line", "data": list(values), "symbolSize": 8, "connectNulls": False,
                    "label": {"show": len(series) == 1, "position": "top"}} for name, values in series],
    }
    return Chart(chart_id, title, option)


def score_trend_chart(chart_id: str, title: str, periods: Sequence[str], scores: Sequence[Decimal | None],
                      averages: Sequence[Decimal | None]) -> Chart:
    if not periods:
        return Chart(chart_id, title, None, empty="还没有已发布的考核结果")
    option = {
        "tooltip": {"trigger": "axis"},
        "legend": {"top": 0},
        "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True},
        "xAxis": {"type": "category", "data": list(periods)},
        "yAxis": {"type": "value", "name": "得分"},
        "series": [
            {"name": "本单位得分", "type": "bar", "data": [_num(s) for s in scores], "barMaxWidth": 22,
             "itemStyle": {"color": NAVY}},
            {"name": "同组平均分", "type": "line", "data": [_num(s) for s in averages],
             "itemStyle": {"color": GREY}, "lineStyle": {"type": "dashed"}},
        ],
    }
    return Chart(chart_id, title, option)
