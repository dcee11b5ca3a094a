"""Exporting records to .xlsx (openpyxl write-only: constant memory per row, fast).

One row per record: unit, line, type, dates, title, text, status, source, one column per metric used by the
exported records ("参学人数（人次）") and, when placements are among them, the placement columns. Every text cell
that a spreadsheet could read as a formula (starting with = + - @, tab or carriage return) gets a leading ', and
characters XML cannot hold are dropped.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from taizhang.ledger.models import MetricDefinition, Outlet, Placement, Record, RecordFigure

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
SHEET_TITLE = "台账记录"
BASE_HEADERS: list[tuple[str, int]] = [
    ("记录编号", 10), ("单位代码", 12), ("单位名称", 20), ("工作线", 12), ("活动类型", 16), ("日期", 12),
    ("结束日期", 12), ("标题", 36), ("内容简介", 40), ("地点", 16), ("状态", 8), ("来源", 10), ("报送时间", 18),
]
PLACEMENT_HEADERS: list[tuple[str, int]] = [
    ("媒体名称", 18), ("媒体级别", 8), ("稿件标题", 36), ("链接", 30), ("版面/栏目", 12), ("头条", 6), ("头版", 6),
    ("千字以上", 8), ("字数", 8),
]
HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")


def escape_text(value: str) -> str:
    """Make text inert in a spreadsheet: formula-like text gets a leading ', illegal XML characters go."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def cell_value(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        return escape_text(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def export_records(queryset: QuerySet[Record]) -> bytes:
    """The records of `queryset` (already scoped and filtered) as .xlsx bytes, in the queryset's order."""
    records = list(queryset.select_related("unit", "activity_type__line"))
    ids = queryset.values("pk")
    figures: dict[int, dict[int, Decimal]] = defaultdict(dict)
    metric_ids: set[int] = set()
    for record_id, metric_id, value in RecordFigure.objects.filter(record__in=ids).values_list(
        "record_id", "metric_id", "value"
    ):
        figures[record_id][metric_id] = value
        metric_ids.add(metric_id)
    metrics = list(
        MetricDefinition.objects.filter(pk__in=metric_ids).select_related("line")
        .order_by("line__sort_order", "sort_order", "key")
    )
    placements = {p.record_id: p for p in Placement.objects.filter(record__in=ids).select_related("outlet")}

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    headers = list(BASE_HEADERS) + [(f"{m.name}（{m.measure_word}）", max(10, len(m.name) * 2 + 4)) for m in metrics]
    if placements:
        headers += PLACEMENT_HEADERS
    for idx, (_, width) in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
    ws.freeze_panes = "D2"
    header_cells = []
    for title, _ in headers:
        cell = WriteOnlyCell(ws, value=escape_text(title))
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        header_cells.append(cell)
    ws.append(header_cells)
    levels = dict(Outlet.Level.choices)
    statuses, sources = dict(Record.Status.choices), dict(Record.Source.choices)
    for rec in records:
        row: list[Any] = [
            rec.pk, rec.unit.code, rec.unit.name, rec.activity_type.line.name, rec.activity_type.name,
            rec.start_date, rec.end_date, rec.title, rec.description, rec.location,
            statuses.get(rec.status, rec.status), sources.get(rec.source, rec.source), rec.submitted_at,
        ]
        values = figures.get(rec.pk, {})
        row += [values.get(m.pk) for m in metrics]
        if placements:
            p = placements.get(rec.pk)
            row += [
                p.outlet.name, levels.get(p.outlet_level, p.outlet_level), p.article_title, p.url, p.page,
                p.is_headline, p.is_front_page, p.is_long, p.word_count,
            ] if p is not None else [None] * len(PLACEMENT_HEADERS)
        ws.append([cell_value(v) for v in row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def export_filename(now: datetime.datetime | None = None) -> str:
    moment = timezone.localtime(now or timezone.now())
    return f"台账记录_{moment:%Y%m%d_%H%M}.xlsx"
