"""Import reports from another platform (xlsx or CSV; validate every row first, then all or nothing) and export
reports for a period as xlsx (no personal data unless a permitted user asks for contacts: audited)."""

from __future__ import annotations

import csv
import datetime
import io
import math
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from taizhang.core import audit
from taizhang.core.errors import InvalidInput, NotPermitted
from taizhang.core.periods import Period
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit

from . import actions
from .masking import mask_text
from .models import MAX_LOCATION_ACCURACY_M, Category, Place, Report

ACCURACY = "定位精度（米）"
COLUMNS = ["外部编号", "提交时间", "类别", "问题描述", "地点", "位置描述", "纬度", "经度", ACCURACY, "联系电话"]
REQUIRED = {"类别", "问题描述"}


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行“{self.column}”：{self.message}"


def _rows(data: bytes, filename: str) -> list[dict[str, Any]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        from taizhang.ledger.excel.safety import check_xlsx

        check_xlsx(data)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        values = [["" if v is None else (v if isinstance(v, datetime.datetime) else str(v)) for v in row]
                  for row in sheet.iter_rows(values_only=True)]
    elif filename.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InvalidInput("CSV 文件编码无法识别：请使用 UTF-8 或 GB18030")
        values = [list(r) for r in csv.reader(io.StringIO(text))]
    else:
        raise InvalidInput("只能导入 .xlsx 或 .csv 文件")
    if not values:
        raise InvalidInput("文件为空")
    header = [str(h).strip() for h in values[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(f"缺少列：{'、'.join(missing)}（应有列：{'、'.join(COLUMNS)}）")
    out: list[dict[str, Any]] = []
    for raw in values[1:]:
        if not any(str(v).strip() for v in raw):
            out.append({})
            continue
        out.append({h: raw[i] if i < len(raw) else "" for i, h in enumerate(header)})
    return out


def _row_problems(plan: dict[str, Any], *, bad_coordinates: bool = False) -> list[tuple[str, str]]:
    """The checks the report action makes on a row, without writing: (column, message) pairs. A row whose
    coordinates were refused already is not also told it has no location."""
    problems = []
    try:
        actions.normalise_phone(plan["phone"])
    except InvalidInput as exc:
        problems.append(("联系电话", exc.message))
    if not plan["description"]:
        problems.append(("问题描述", "请描述问题"))
    if plan["place"] is None and plan["lat"] is None and not plan["address"] and not bad_coordinates:
        problems.append(("位置描述", "请填写地点、位置描述或经纬度"))
    return problems


def _number(row: dict[str, Any], column: str, low: float, high: float, what: str) -> tuple[float | None, str]:
    """A cell's number within [low, high] (None when empty), or a Chinese problem with it."""
    text = str(row.get(column, "") or "").strip()
    if not text:
        return None, ""
    try:
        value = float(text)
    except ValueError:
        return None, f"“{text[:20]}”不是数字"
    if not (math.isfinite(value) and low <= value <= high):
        return None, f"{what}应在 {low:g} 至 {high:g} 之间"
    return value, ""


def _location(row: dict[str, Any]) -> tuple[tuple[float | None, float | None, int | None], list[tuple[str, str]]]:
    """(lat, lng, accuracy in whole metres) of a row and its problems as (column, message): each coordinate in
    range, both or neither, and the accuracy (optional) only beside coordinates. Unlike the public form, where a
    phone's odd accuracy is dropped without a word, an import says what is wrong with the cell."""
    problems = []
    lat, lat_problem = _number(row, "纬度", -90, 90, "纬度")
    lng, lng_problem = _number(row, "经度", -180, 180, "经度")
    metres, accuracy_problem = _number(row, ACCURACY, 0, MAX_LOCATION_ACCURACY_M, "定位精度")
    for column, problem in (("纬度", lat_problem), ("经度", lng_problem), (ACCURACY, accuracy_problem)):
        if problem:
            problems.append((column, problem))
    if not (lat_problem or lng_problem) and (lat is None) != (lng is None):
        problems.append(("经度" if lng is None else "纬度", "纬度和经度须同时填写"))
    if metres is not None and lat is None and lng is None and not (lat_problem or lng_problem):
        problems.append((ACCURACY, "没有经纬度时不能填写定位精度"))
    accuracy = actions.location_accuracy(metres) if metres is not None else None
    return (lat, lng, accuracy), problems


def _when(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return timezone.make_aware(value) if timezone.is_naive(value) else value
    text = str(value or "").strip()
    if not text:
        return timezone.now()
    parsed = parse_datetime(text.replace("/", "-"))
    if parsed is None:
        day = parse_date(text.replace("/", "-"))
        parsed = datetime.datetime.combine(day, datetime.time(9, 0)) if day else None
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def import_reports(data: bytes, *, filename: str, acting_user: Any = None) -> tuple[int, list[RowError]]:
    """Validate every row; when all are valid, create them in one transaction. Returns (created, errors)."""
    rows = _rows(data, filename)
    categories = {c.name: c for c in Category.objects.all()} | {c.key: c for c in Category.objects.all()}
    places = {p.name: p for p in Place.objects.filter(active=True)}
    seen = set(Report.objects.exclude(external_id="").filter(channel=Report.Channel.IMPORT)
               .values_list("external_id", flat=True))
    errors: list[RowError] = []
    plans: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=2):
        if not row:
            continue
        ext = str(row.get("外部编号", "")).strip()
        if ext and ext in seen:
            errors.append(RowError(n, "外部编号", f"编号 {ext} 已导入过"))
        seen.add(ext)
        category = categories.get(str(row.get("类别", "")).strip())
        if category is None:
            errors.append(RowError(n, "类别", f"类别“{row.get('类别', '')}”不存在"))
        when = _when(row.get("提交时间"))
        if when is None:
            errors.append(RowError(n, "提交时间", "时间格式应为 2024-05-12 09:30"))
        place_name = str(row.get("地点", "")).strip()
        place = places.get(place_name) if place_name else None
        if place_name and place is None:
            errors.append(RowError(n, "地点", f"地点“{place_name}”不在地点列表中"))
        (lat, lng, accuracy), location_errors = _location(row)
        errors += [RowError(n, column, message) for column, message in location_errors]
        plan: dict[str, Any] = {
                "category": category, "description": str(row.get("问题描述", "")).strip(), "place": place,
                "address": str(row.get("位置描述", "")).strip(), "lat": lat, "lng": lng,
                "location_accuracy_m": accuracy,
                "phone": str(row.get("联系电话", "")).strip(), "submitted_at": when, "external_id": ext,
                "channel": Report.Channel.IMPORT, "row": n}
        errors += [RowError(n, column, message)
                   for column, message in _row_problems(plan, bad_coordinates=bool(location_errors))]
        plans.append(plan)
    if errors:
        return 0, errors
    with transaction.atomic():
        for plan in plans:
            row_no = int(plan.pop("row"))
            try:
                actions.submit_report(acting_user=acting_user, **plan)
            except InvalidInput as exc:  # a check the pre-pass missed: nothing is kept
                transaction.set_rollback(True)
                return 0, [RowError(row_no, "—", exc.message)]
    audit.record("citizen.report_import", None, user=acting_user, object_type="citizen.report",
                 message=f"从 {filename} 导入 {len(plans)} 份报告")
    return len(plans), []


def export_reports(period: Period, *, acting_user: Any = None, with_contact: bool = False) -> bytes:
    from openpyxl import Workbook

    from taizhang.ledger.excel.exporter import cell_value

    if with_contact:
        root = actions.root_unit()
        if acting_user is None or not can_in_unit(acting_user, Cap.MANAGE_WORK, root):
            raise NotPermitted("导出联系方式须由有全区受理权限的用户执行（--user）。")
    qs = (Report.objects.filter(submitted_at__date__range=(period.start, period.end))
          .select_related("category", "place", "area", "unit").order_by("submitted_at", "id"))
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "随手拍"
    header = ["编号", "提交时间", "类别", "问题描述", "补充问题", "地点", "片区", "渠道", "状态", "责任单位",
              "办理期限", "办结时间", "按时办结", "评价", "答复"]
    if with_contact:
        header.append("联系电话")
    sheet.append(header)
    count = 0
    for r in qs.iterator(chunk_size=2000):
        answers = "；".join(f"{label}：{text}" for label, text in actions.answer_lines(r, masked=True))
        row = [r.pk, r.submitted_at, r.category.name, mask_text(r.description), answers, r.place_text, r.area.name,
               r.get_channel_display(), r.get_status_display(), r.unit.name if r.unit else "", r.deadline,
               r.closed_at, r.closed_on_time, r.get_rating_display() if r.rating else "", mask_text(r.shown_reply)]
        if with_contact:
            row.append(r.phone)
        sheet.append([cell_value(v) for v in row])
        count += 1
    out = io.BytesIO()
    book.save(out)
    audit.record("citizen.report_export", None, user=acting_user, object_type="citizen.report",
                 message=f"导出 {period.label} {count} 份报告" + ("（含联系方式）" if with_contact else ""))
    return out.getvalue()
