"""Statistics of new-media accounts from an xlsx or CSV file (the template, or a platform back end's export with
the same headers): every row validated first, then all rows stored or none, errors reported by row and column.
A re-import of the same account and period replaces its row."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from taizhang.core.errors import InvalidInput
from taizhang.press.models import PLATFORM_NAMES, NewMediaAccount

PLATFORM_BY_NAME = {name: key for key, name in PLATFORM_NAMES.items()} | {k: k for k in PLATFORM_NAMES}

#: header → (field, kind, required); headers are matched exactly after trimming spaces.
COLUMNS: tuple[tuple[str, str, str, bool], ...] = (
    ("平台", "platform", "platform", True),
    ("账号名称", "name", "text", True),
    ("统计起始日", "period_start", "date", True),
    ("统计截止日", "period_end", "date", True),
    ("发文数", "posts", "int", True),
    ("阅读/播放量", "reads", "int", False),
    ("点赞数", "likes", "int", False),
    ("转发数", "shares", "int", False),
    ("评论数", "comments", "int", False),
    ("新增关注", "new_followers", "signed", False),
    ("关注总数", "total_followers", "int", False),
    ("最近发文日期", "last_post_date", "date", False),
    ("阅读量最高的文章", "top_post_title", "text", False),
    ("最高阅读量", "top_post_reads", "int", False),
)
HEADERS = [c[0] for c in COLUMNS]
MAX_ROWS = 300_000
MAX_COUNT = 10**12


@dataclass
class StatImport:
    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    created: int = 0
    updated: int = 0

    def error(self, row: int, column: str, message: str) -> None:
        if len(self.errors) < 200:
            self.errors.append({"row": row, "column": column, "message": message})

    @property
    def message(self) -> str:
        lines = [
            f"第 {e['row']} 行“{e['column']}”：{e['message']}" if e["column"] else f"第 {e['row']} 行：{e['message']}"
            for e in self.errors[:20]
        ]
        more = f"（另有 {len(self.errors) - 20} 处）" if len(self.errors) > 20 else ""
        return "导入失败，未写入任何数据：" + "；".join(lines) + more


def read_rows(data: bytes, filename: str) -> list[list[Any]]:
    name = filename.lower()
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a broken file
            raise InvalidInput("无法读取该 Excel 文件，请使用 xlsx 模板") from exc
        ws = wb.worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True, max_row=MAX_ROWS + 2)]
    if name.endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise InvalidInput("无法识别 CSV 文件的编码（应为 UTF-8 或 GB18030）")
        return [list(r) for r in csv.reader(io.StringIO(text))][: MAX_ROWS + 2]
    raise InvalidInput("只能导入 xlsx 或 csv 文件")


def _date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        parts = text.split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            try:
                return datetime.date(int(parts[0]), int(parts[1]), int(parts[2]))
            except ValueError as exc:
                raise ValueError(f"不存在的日期“{text}”") from exc
        raise ValueError(f"日期格式应为 2026-05-31，现为“{text}”") from None


def _int(value: Any, signed: bool) -> int:
    if isinstance(value, bool):
        raise ValueError("应为整数")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("应为整数")
        value = int(value)
    text = str(value).strip().replace(",", "")
    if not text.lstrip("-").isdigit():
        raise ValueError(f"应为整数，现为“{str(value)[:20]}”")
    number = int(text)
    if number < 0 and not signed:
        raise ValueError("不能为负数")
    if abs(number) > MAX_COUNT:
        raise ValueError("数值过大")
    return number


def validate(table: list[list[Any]], accounts: Iterable[NewMediaAccount]) -> StatImport:
    result = StatImport()
    if not table:
        result.error(1, "", "文件为空")
        return result
    header = [str(h or "").strip() for h in table[0]]
    index = {h: i for i, h in enumerate(header) if h}
    missing = [h for h, _f, _k, required in COLUMNS if required and h not in index]
    if missing:
        result.error(1, "", f"缺少列：{'、'.join(missing)}（请使用导入模板）")
        return result
    if len(table) - 1 > MAX_ROWS:
        result.error(MAX_ROWS + 2, "", f"行数过多：一次最多导入 {MAX_ROWS} 行")
        return result
    by_key = {(a.platform, a.name): a for a in accounts}
    seen: dict[tuple[int, datetime.date, datetime.date], int] = {}
    for row_no, raw in enumerate(table[1:], start=2):
        if all(v is None or str(v).strip() == "" for v in raw):
            continue
        row: dict[str, Any] = {}
        ok = True
        for header_text, fld, kind, required in COLUMNS:
            if header_text not in index:
                continue
            i = index[header_text]
            value = raw[i] if i < len(raw) else None
            if value is None or str(value).strip() == "":
                if required:
                    result.error(row_no, header_text, "不能为空")
                    ok = False
                continue
            try:
                if kind == "platform":
                    key = PLATFORM_BY_NAME.get(str(value).strip())
                    if key is None:
                        raise ValueError(f"未知平台“{str(value)[:20]}”，可填：{'、'.join(PLATFORM_NAMES.values())}")
                    row[fld] = key
                elif kind == "date":
                    row[fld] = _date(value)
                elif kind in ("int", "signed"):
                    row[fld] = _int(value, kind == "signed")
                else:
                    text = str(value).strip()
                    if len(text) > 300:
                        raise ValueError("过长（最多 300 字）")
                    row[fld] = text
            except ValueError as exc:
                result.error(row_no, header_text, str(exc))
                ok = False
        if not ok:
            continue
        account = by_key.get((row["platform"], row["name"]))
        if account is None:
            result.error(row_no, "账号名称", f"登记册中没有{PLATFORM_NAMES[row['platform']]}账号“{row['name']}”")
            continue
        if row["period_end"] < row["period_start"]:
            result.error(row_no, "统计截止日", "截止日早于起始日")
            continue
        if (row["period_end"] - row["period_start"]).days > 31:
            result.error(row_no, "统计截止日", "统计周期应为一周或一个月")
            continue
        last = row.get("last_post_date")
        if last and last > row["period_end"]:
            result.error(row_no, "最近发文日期", "晚于统计截止日")
            continue
        period_key = (account.pk, row["period_start"], row["period_end"])
        if period_key in seen:
            result.error(row_no, "", f"与第 {seen[period_key]} 行是同一账号同一周期")
            continue
        seen[period_key] = row_no
        row["account"] = account
        result.rows.append(row)
    return result


def import_stats(data: bytes, filename: str, *, acting_user: Any, accounts: Iterable[NewMediaAccount]) -> StatImport:
    """Validate everything, then store all rows in one transaction, or nothing (InvalidInput with the errors)."""
    from taizhang.press.actions import store_stats

    result = validate(read_rows(data, filename), accounts)
    if result.errors:
        raise InvalidInput(result.message, {"file": [result.message]})
    with transaction.atomic():
        result.created, result.updated = store_stats(result.rows, acting_user=acting_user)
    return result


def template_bytes() -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "账号统计"
    ws.append(HEADERS)
    ws.append(
        [
            "微信公众号",
            "（账号名称，与登记册一致）",
            "2026-11-01",
            "2026-11-30",
            20,
            15000,
            300,
            80,
            25,
            120,
            5600,
            "2026-11-28",
            "（文章标题）",
            3200,
        ]
    )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
