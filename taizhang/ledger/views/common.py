"""What the ledger views share: how a record's figures, timeline and status are shown."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from taizhang.core.audit import ACTIONS
from taizhang.ledger.forms import fmt_decimal
from taizhang.ledger.models import Record, RecordEvent, RecordFigure

EVENT_LABELS: dict[str, str] = {
    **ACTIONS,
    "supersede": "被更正替代",
    "evidence_add": "添加佐证材料",
    "evidence_del": "删除佐证材料",
    "manual": "手工填报",
    "import": "Excel导入",
    "api": "接口写入",
    "monitoring": "舆情监测生成",
    "summary": "总结提取生成",
    "demo": "演示数据",
}
FIELD_LABELS: dict[str, str] = {
    "title": "标题", "start_date": "日期", "end_date": "结束日期", "description": "内容简介", "location": "地点",
    "unit_id": "填报单位", "activity_type_id": "活动类型", "figures": "数据", "version": "",
    "updated_at": "", "status": "状态",
}


@dataclass
class FigureRow:
    key: str
    name: str
    value: str
    measure_word: str

    @property
    def text(self) -> str:
        return f"{self.value}{self.measure_word}"


def figure_rows(figures: list[RecordFigure]) -> list[FigureRow]:
    """Figures (with their metric loaded) as rows: name, value, measure word."""
    ordered = sorted(figures, key=lambda f: (f.metric.sort_order, f.metric.key))
    return [FigureRow(f.metric.key, f.metric.name, fmt_decimal(f.value), f.metric.measure_word) for f in ordered]


def timeline(events: list[RecordEvent]) -> list[dict[str, Any]]:
    rows = []
    for ev in events:
        changed = [FIELD_LABELS.get(k, k) for k in (ev.changes or {}) if FIELD_LABELS.get(k, k)]
        rows.append({
            "at": ev.at, "label": EVENT_LABELS.get(ev.action, ev.action), "action": ev.action, "user": ev.user,
            "comment": ev.comment, "changed": "、".join(changed), "to_status": ev.to_status,
            "to_status_label": Record.Status(ev.to_status).label if ev.to_status in Record.Status.values else "",
        })
    return rows


def export_url(query: str) -> str:
    """The Excel export of the current filters (built by another module; the link works once it exists)."""
    try:
        base = reverse("ledger:export")
    except NoReverseMatch:
        base = "/ledger/export/"
    return f"{base}?{query}" if query else base
