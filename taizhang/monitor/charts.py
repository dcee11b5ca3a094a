"""ECharts options for the monitoring pages (rendered with json_script, drawn by app.js)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from taizhang.monitor.models import LEVEL_NAMES, HourlyStat, Incident


def _hour_label(hour: datetime.datetime) -> str:
    return timezone.localtime(hour).strftime("%m-%d %H时")


def incident_curves(incident: Incident) -> dict[str, Any]:
    """Volume per hour (bars) and negative share per hour (line, right axis)."""
    rows = list(incident.hourly.order_by("hour"))
    labels = [_hour_label(r.hour) for r in rows]
    return {
        "tooltip": {"trigger": "axis"},
        # the legend sits under the chart, so it never covers the axis names above the plot
        "legend": {"data": ["信息量", "负面占比"], "bottom": 0},
        "grid": {"left": 48, "right": 56, "top": 40, "bottom": 80 if len(rows) > 48 else 48, "containLabel": True},
        "xAxis": {"type": "category", "data": labels},
        "yAxis": [{"type": "value", "name": "条", "minInterval": 1},
                  {"type": "value", "name": "负面占比", "min": 0, "max": 100, "axisLabel": {"formatter": "{value}%"}}],
        "dataZoom": [{"type": "slider"}] if len(rows) > 48 else [],
        "series": [
            {"name": "信息量", "type": "bar", "data": [r.items for r in rows]},
            {"name": "负面占比", "type": "line", "yAxisIndex": 1,
             "data": [round(100 * r.negative / r.items) if r.items else 0 for r in rows]},
        ],
    }


def incident_sources(incident: Incident) -> dict[str, Any]:
    levels = [{"name": LEVEL_NAMES.get(k, k), "value": v} for k, v in (incident.levels or {}).items()]
    sources = sorted((incident.sources or {}).items(), key=lambda kv: kv[1], reverse=True)[:10]
    return {
        "tooltip": {"trigger": "item"},
        "legend": {"bottom": 0, "type": "scroll"},
        "series": [
            {"name": "媒体级别", "type": "pie", "radius": ["0%", "35%"], "center": ["50%", "45%"],
             "label": {"position": "inner"}, "data": levels},
            {"name": "来源", "type": "pie", "radius": ["48%", "68%"], "center": ["50%", "45%"],
             "data": [{"name": k, "value": v} for k, v in sources]},
        ],
    }


def incident_terms(incident: Incident) -> dict[str, Any]:
    centroid = (incident.state or {}).get("centroid") or {}
    top = sorted(centroid.items(), key=lambda kv: kv[1], reverse=True)[:12][::-1]
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 90, "right": 24},
        "xAxis": {"type": "value", "name": "权重"},
        "yAxis": {"type": "category", "data": [t for t, _ in top]},
        "series": [{"type": "bar", "data": [round(w, 3) for _, w in top]}],
    }


def district_volume(hours: int = 48) -> dict[str, Any]:
    since = timezone.now() - datetime.timedelta(hours=hours)
    rows = list(HourlyStat.objects.filter(hour__gte=since).order_by("hour"))
    return {
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["信息量", "负面", "命中关注词"], "bottom": 0},
        "grid": {"left": 48, "right": 24, "top": 40, "bottom": 48, "containLabel": True},
        "xAxis": {"type": "category", "data": [_hour_label(r.hour) for r in rows]},
        "yAxis": {"type": "value", "name": "条", "minInterval": 1},
        "series": [
            {"name": "信息量", "type": "line", "areaStyle": {}, "data": [r.items for r in rows]},
            {"name": "负面", "type": "line", "data": [r.negative for r in rows]},
            {"name": "命中关注词", "type": "line", "data": [r.matched for r in rows]},
        ],
    }


def brief_hourly(document: dict[str, Any]) -> dict[str, Any]:
    hourly = (document.get("meta") or {}).get("hourly") or []
    return {
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 48, "right": 24, "bottom": 40},
        "xAxis": {"type": "category",
                  "data": [timezone.localtime(datetime.datetime.fromisoformat(h)).strftime("%H时") for h, _ in hourly]},
        "yAxis": {"type": "value", "name": "条", "minInterval": 1},
        "series": [{"name": "信息量", "type": "bar", "data": [n for _, n in hourly]}],
    }
