"""Study statistics: map platform groups to units, import a week's export (all rows or none, errors by row and
column, unknown groups listed to map), and the weekly bulletin."""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit
from taizhang.study.models import StudyGroup, StudyWeek
from taizhang.study.stats import monday

COLUMNS = {"组织名称": "name", "学员数": "registered", "活跃学员数": "active", "积分": "points"}
ALIASES = {"组织": "组织名称", "单位名称": "组织名称", "注册学员数": "学员数", "已注册学员": "学员数",
           "活跃人数": "活跃学员数", "活跃学员": "活跃学员数", "总积分": "积分", "本周积分": "积分"}
MAX_ROWS = 50_000


def _require(user: Any, unit: Unit) -> None:
    if user is not None and not can_in_unit(user, Cap.MANAGE_WORK, unit):
        raise NotPermitted("只有宣传部工作人员可以管理学习平台统计")


@transaction.atomic
def map_group(*, acting_user: Any, name: str, unit: Unit, headcount: int) -> StudyGroup:
    _require(acting_user, unit)
    name = str(name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("请填写平台组织名称（最多 200 字）", {"name": ["请填写"]})
    if not 0 < headcount <= 1_000_000:
        raise InvalidInput("应注册人数须为正整数", {"headcount": ["人数有误"]})
    group, created = StudyGroup.objects.update_or_create(name=name, defaults={"unit": unit, "headcount": headcount})
    audit.record("study_map" if created else "study_remap", group, user=acting_user, after=audit.snapshot(group))
    return group


@dataclass
class WeekImport:
    week: datetime.date
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0


def read_table(data: bytes, filename: str) -> list[list[Any]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise InvalidInput("无法读取该 Excel 文件") from exc
        return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                return [list(r) for r in csv.reader(io.StringIO(data.decode(encoding)))][: MAX_ROWS + 2]
            except UnicodeDecodeError:
                continue
        raise InvalidInput("无法识别 CSV 文件的编码（应为 UTF-8 或 GB18030）")
    raise InvalidInput("只能导入 xlsx 或 csv 文件")


def validate(table: list[list[Any]], week: datetime.date) -> WeekImport:
    result = WeekImport(week=monday(week))
    if not table:
        result.errors.append("文件为空")
        return result
    header = [ALIASES.get(str(h or "").strip(), str(h or "").strip()) for h in table[0]]
    index = {h: i for i, h in enumerate(header) if h in COLUMNS}
    missing = [h for h in COLUMNS if h not in index]
    if missing:
        result.errors.append(f"第 1 行：缺少列 {'、'.join(missing)}"
                             "（平台导出文件须含组织名称、学员数、活跃学员数、积分）")
        return result
    groups = {g.name: g for g in StudyGroup.objects.all()}
    seen: dict[str, int] = {}
    for row_no, raw in enumerate(table[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in raw):
            continue
        values: dict[str, Any] = {}
        for header_text, key in COLUMNS.items():
            i = index[header_text]
            value = raw[i] if i < len(raw) else None
            if key == "name":
                values[key] = str(value or "").strip()
                if not values[key]:
                    result.errors.append(f"第 {row_no} 行“{header_text}”：不能为空")
                continue
            text = str(value if value is not None else "").strip().replace(",", "")
            if isinstance(value, float) and value.is_integer():
                text = str(int(value))
            if not text.isdigit() or len(text) > 12:
                result.errors.append(f"第 {row_no} 行“{header_text}”：应为非负整数，现为“{str(value)[:20]}”")
                continue
            values[key] = int(text)
        if len(values) < len(COLUMNS) or not values.get("name"):
            continue
        if values["active"] > values["registered"]:
            result.errors.append(f"第 {row_no} 行“活跃学员数”：大于学员数")
            continue
        name = values["name"]
        if name in seen:
            result.errors.append(f"第 {row_no} 行“组织名称”：与第 {seen[name]} 行重复")
            continue
        seen[name] = row_no
        group = groups.get(name)
        if group is None:
            result.unknown.append(name)
            continue
        values["group"] = group
        result.rows.append(values)
    if result.unknown:
        result.errors.append(f"有 {len(result.unknown)} 个平台组织尚未对应单位：{'、'.join(result.unknown[:10])}"
                             f"{'等' if len(result.unknown) > 10 else ''}，请先在“组织对应”中设置")
    return result


def import_week(data: bytes, filename: str, *, week: datetime.date, acting_user: Any, owner: Unit | None) -> WeekImport:
    """Validate every row, then store the week (replacing an earlier import of the same week) or nothing."""
    if owner is not None:
        _require(acting_user, owner)
    if week > timezone.localdate():
        raise InvalidInput("统计周不能晚于本周", {"week": ["日期有误"]})
    result = validate(read_table(data, filename), week)
    if result.errors:
        raise InvalidInput("导入失败，未写入任何数据：" + "；".join(result.errors[:20]), {"file": result.errors[:50]})
    with transaction.atomic():
        for row in result.rows:
            _obj, created = StudyWeek.objects.update_or_create(
                group=row["group"], week_start=result.week,
                defaults={"registered": row["registered"], "active": row["active"], "points": row["points"]})
            result.created += created
            result.updated += not created
        audit.record("study_import", None, user=acting_user, object_type="study.studyweek",
                     message=f"{result.week:%Y-%m-%d} 周：新增 {result.created} 条，更新 {result.updated} 条")
    return result
