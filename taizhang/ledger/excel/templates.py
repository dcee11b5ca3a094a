"""The downloadable import template of an activity type.

Sheets: 填报 (header, two example rows marked 示例 in the first column, data validation lists, frozen header),
说明 (instructions), 单位 (hidden: the units the user may fill for, the source of the unit-code list), 媒体 (hidden,
placement types only: the outlet registry) and _meta (very hidden: template marker, version, activity type key).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from taizhang.ledger.excel.columns import (
    EXAMPLE_HEADER,
    EXAMPLE_MARK,
    FIRST_DATA_ROW,
    MAX_TEMPLATE_ROWS,
    SHEET_DATA,
    SHEET_HELP,
    SHEET_META,
    SHEET_OUTLETS,
    SHEET_UNITS,
    TEMPLATE_MARKER,
    TEMPLATE_VERSION,
    Column,
    columns_for,
    is_placement,
)
from taizhang.ledger.models import LEVEL_ORDER, ActivityType, MetricDefinition, Outlet
from taizhang.org.models import Unit
from taizhang.org.roles import Cap

HEADER_FILL = PatternFill("solid", fgColor="1F4E8C")
REQUIRED_FILL = PatternFill("solid", fgColor="C8161D")
EXAMPLE_FILL = PatternFill("solid", fgColor="F0F2F5")
HEADER_FONT = Font(bold=True, color="FFFFFF")
EXAMPLE_FONT = Font(italic=True, color="667085")
THIN = Side(style="thin", color="D0D5DD")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
LAST_ROW = FIRST_DATA_ROW + MAX_TEMPLATE_ROWS - 1


def units_for_template(user: Any) -> list[Unit]:
    """The units the user may fill records for (all active units for the system user)."""
    qs = Unit.objects.filter(is_active=True).order_by("path")
    if user is not None:
        qs = qs.visible_to(user, Cap.EDIT_RECORDS)
    return list(qs)


def template_filename(activity_type: ActivityType) -> str:
    return f"{activity_type.name}导入模板.xlsx"


def build_template(activity_type: ActivityType, *, user: Any = None, units: Sequence[Unit] | None = None) -> bytes:
    units = list(units) if units is not None else units_for_template(user)
    columns = columns_for(activity_type)
    outlets: list[Outlet] = []
    if is_placement(activity_type):
        # national first, then provincial …; within a level the registry's own order (人民日报 before the rest)
        outlets = sorted(Outlet.objects.filter(is_active=True), key=lambda o: (LEVEL_ORDER.get(o.level, 9), o.pk))
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = SHEET_DATA
    _write_header(ws, columns)
    for offset, example in enumerate(_examples(activity_type, columns, units, outlets)):
        _write_example(ws, columns, FIRST_DATA_ROW - 2 + offset, example)
    _validations(ws, columns, units, outlets)
    ws.freeze_panes = "D2"
    ws.sheet_view.zoomScale = 100
    _help_sheet(wb.create_sheet(SHEET_HELP), activity_type, columns)
    units_ws = wb.create_sheet(SHEET_UNITS)
    units_ws.append(["单位代码", "单位名称", "上级单位"])
    parents = {u.pk: u.name for u in units}
    for unit in units:
        units_ws.append([unit.code, unit.name, parents.get(unit.parent_id or 0, "")])
    _style_list_sheet(units_ws, [14, 28, 28])
    units_ws.sheet_state = "hidden"
    if outlets:
        outlets_ws = wb.create_sheet(SHEET_OUTLETS)
        outlets_ws.append(["媒体名称", "级别", "类型", "别称"])
        for outlet in outlets:
            outlets_ws.append([outlet.name, outlet.get_level_display(), outlet.get_kind_display(),
                               "、".join(outlet.aliases)])
        _style_list_sheet(outlets_ws, [24, 8, 10, 40])
        outlets_ws.sheet_state = "hidden"
    meta = wb.create_sheet(SHEET_META)
    for key, value in (
        ("template", TEMPLATE_MARKER), ("version", TEMPLATE_VERSION), ("activity_type", activity_type.key),
        ("activity_type_name", activity_type.name), ("generated_at", timezone.now().isoformat(timespec="seconds")),
    ):
        meta.append([key, value])
    meta.sheet_state = "veryHidden"
    wb.active = 0
    wb.properties.title = f"{activity_type.name}导入模板"
    wb.properties.creator = "台账"
    wb.properties.keywords = f"{TEMPLATE_MARKER};{activity_type.key};v{TEMPLATE_VERSION}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _write_header(ws: Worksheet, columns: list[Column]) -> None:
    for idx, col in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=idx, value=col.title)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if col.required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = BORDER
        if col.comment:
            note = Comment(col.comment + ("（必填）" if col.required else ""), "台账")
            note.width, note.height = 240, 90
            cell.comment = note
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = col.width
        if col.kind == "date":
            ws.column_dimensions[letter].number_format = "yyyy-mm-dd"
        elif col.kind == "code":
            ws.column_dimensions[letter].number_format = "@"
    ws.row_dimensions[1].height = 32


def _write_example(ws: Worksheet, columns: list[Column], row: int, example: dict[str, Any]) -> None:
    for idx, col in enumerate(columns, start=1):
        value = example.get(col.key)
        cell = ws.cell(row=row, column=idx, value=value)
        cell.fill = EXAMPLE_FILL
        cell.font = EXAMPLE_FONT
        cell.border = BORDER
        if col.kind == "date" and value is not None:
            cell.number_format = "yyyy-mm-dd"
        elif col.kind == "code":
            cell.number_format = "@"


def _example_figure(metric: MetricDefinition, default: Decimal | None, second: bool) -> Decimal | int:
    if default is not None:
        return int(default) if default == default.to_integral_value() else default
    samples: dict[str, tuple[int, int]] = {"count": (1, 2), "people": (120, 86), "hours": (3, 2), "money": (10, 5),
                                           "percent": (95, 88)}
    base = samples.get(str(metric.kind), (1, 2))[1 if second else 0]
    value = Decimal(base)
    if metric.min_value is not None and value < metric.min_value:
        value = metric.min_value
    if metric.max_value is not None and value > metric.max_value:
        value = metric.max_value
    return int(value) if value == value.to_integral_value() else value


def _examples(
    activity_type: ActivityType, columns: list[Column], units: list[Unit], outlets: list[Outlet]
) -> list[dict[str, Any]]:
    year = timezone.localdate().year
    first = units[0] if units else None
    second = units[1] if len(units) > 1 else first
    rows: list[dict[str, Any]] = []
    for n, unit in enumerate((first, second)):
        name = unit.name if unit else "本单位"
        row: dict[str, Any] = {
            "example": EXAMPLE_MARK,
            "unit_code": unit.code if unit else "",
            "unit_name": unit.name if unit else "",
            "start_date": datetime.date(year, 3 + n, 12 + n * 8),
            "end_date": None if n == 0 else datetime.date(year, 4, 21),
            "title": f"{name}开展{activity_type.name}" if n == 0 else f"{name}{activity_type.name}（第二期）",
            "description": f"围绕年度重点工作组织开展{activity_type.name}，简要写明主题、对象和成效。",
            "location": "新时代文明实践站" if n == 0 else "党群服务中心",
        }
        for col in columns:
            if col.link is not None:
                row[col.key] = _example_figure(col.link.metric, col.link.default, second=n == 1)
        if is_placement(activity_type):
            outlet = _example_outlet(outlets, n)
            row.update({
                "title": "" if n == 0 else f"{name}经验做法被媒体刊发",
                "outlet": outlet.name if outlet else "人民日报",
                "article_title": f"{name}：志愿服务进社区 文明新风扑面来" if n == 0 else f"{name}打造“15分钟文化圈”",
                "url": "https://www.example.com/news/2024/0512.html" if n == 0 else "",
                "page": "要闻版" if n == 0 else "第2版",
                "is_headline": "是" if n == 0 else "否",
                "is_front_page": "否",
                "is_long": "是" if n == 0 else "否",
                "word_count": 1200 if n == 0 else 800,
            })
        rows.append(row)
    return rows


def _example_outlet(outlets: list[Outlet], n: int) -> Outlet | None:
    """A national outlet for the first example, a provincial one for the second."""
    wanted = Outlet.Level.NATIONAL if n == 0 else Outlet.Level.PROVINCIAL
    return next((o for o in outlets if o.level == wanted), outlets[0] if outlets else None)


def _validations(ws: Worksheet, columns: list[Column], units: list[Unit], outlets: list[Outlet]) -> None:
    for idx, col in enumerate(columns, start=1):
        letter = get_column_letter(idx)
        area = f"{letter}{FIRST_DATA_ROW - 2}:{letter}{LAST_ROW}"
        dv: DataValidation | None = None
        if col.kind == "bool":
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
            dv.error, dv.errorTitle = "请选择“是”或“否”。", "输入有误"
        elif col.key == "unit_code" and units:
            dv = DataValidation(type="list", formula1=f"'{SHEET_UNITS}'!$A$2:$A${len(units) + 1}", allow_blank=True)
            dv.error, dv.errorTitle = "请从下拉列表中选择您可以填报的单位代码。", "单位代码有误"
        elif col.key == "outlet" and outlets:
            dv = DataValidation(type="list", formula1=f"'{SHEET_OUTLETS}'!$A$2:$A${len(outlets) + 1}",
                                allow_blank=True, errorStyle="warning")
            dv.error, dv.errorTitle = "该名称不在媒体名录中；如是别称可继续，导入时会再核对。", "媒体名称"
        elif col.kind == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="32874", allow_blank=True,
                                errorStyle="warning")
            dv.error, dv.errorTitle = "请填写日期，格式如 2024-05-12。", "日期"
        if dv is not None:
            dv.showErrorMessage = True
            dv.add(area)
            ws.add_data_validation(dv)


def _help_sheet(ws: Worksheet, activity_type: ActivityType, columns: list[Column]) -> None:
    lines = [
        f"{activity_type.name}（{activity_type.line.name}）导入模板 使用说明",
        "",
        f"1. 在“{SHEET_DATA}”表中每行填写一条记录，从第 {FIRST_DATA_ROW} 行开始；"
        "表头（第 1 行）请勿修改、删除或调整顺序。",
        f"2. 第 2、3 行是示例（“{EXAMPLE_HEADER}”列填有“{EXAMPLE_MARK}”），导入时自动忽略，可保留或删除。"
        f"您自己的数据行，“{EXAMPLE_HEADER}”列请留空。",
        "3. 标有 * 的列（红色表头）必须填写。指标列留空时，如该指标有默认值则按默认值计（见表头批注）。",
        "4. 单位代码：从下拉列表选择，可查看隐藏的“单位”表；留空则使用导入页面上选择的单位。"
        "只能为您有权填报的单位导入。",
        "5. 日期：如 2024-05-12，也可填写 2024/5/12 或 2024年5月12日。结束日期不能早于日期。",
        "6. 指标：只填数字，不要带“人”“场”等字；整数指标不能填小数，且须在表头批注所示范围内。",
    ]
    if is_placement(activity_type):
        lines.append("7. 用稿：媒体名称须为媒体名录中的名称或别称（见隐藏的“媒体”表）；"
                     "头条、头版、千字以上填“是”或“否”。")
    lines += [
        "",
        "导入规则：",
        "· 系统先校验全部行，任何一行有误则一条也不导入，并按“第几行、哪一列”列出错误，修改后重新上传即可。",
        "· 同一个文件重复上传不会重复导入；文件中已导入过的行（单位、日期、标题和数据均相同）会自动跳过。",
        "· 勾选“导入并报送”时，导入的记录直接报送审核；否则作为草稿保存，可在台账中修改后再报送。",
        "",
        "各列说明：",
    ]
    ws.column_dimensions["A"].width = 110
    for text in lines:
        ws.append([text])
    ws["A1"].font = Font(bold=True, size=14)
    for col in columns:
        ws.append([f"{col.title}：{col.comment or ('必填。' if col.required else '选填。')}"])
    for row in ws.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True, vertical="top")


def _style_list_sheet(ws: Worksheet, widths: list[int]) -> None:
    for idx, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(idx)].width = width
        ws.cell(row=1, column=idx).font = Font(bold=True)
    ws.freeze_panes = "A2"
