"""Importing records from an .xlsx: check the file, validate every row, then commit all or nothing.

`import_file` is the one entry point (the web job, the CLI and the tests call it):

1. The file's sha256: a file already imported (committed) for the same unit is reported as 重复文件; nothing runs.
2. `safety.check_xlsx` (size, OOXML, no macros, no zip bomb, no DTD/entities), then openpyxl in read-only mode.
3. The activity type comes from the template's hidden metadata (or is given); headers are matched by name.
4. Every row is validated — unit code and the user's scope, dates, text lengths, figures through
   `validation.clean_figures(require_all=True)`, outlet names, duplicates inside the file — and every problem is
   collected as {"row", "column", "header", "message"} in Chinese. Any error: the batch is FAILED, nothing written.
5. Otherwise one transaction: rows whose natural key (`import_key`) is already in the ledger are skipped, the rest
   go through `actions.create_records_bulk(source="import")` as drafts or, with `submit`, as submitted records.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.utils import timezone
from openpyxl.utils import get_column_letter

from taizhang.core import audit, context
from taizhang.ledger.actions import PlacementInput, RecordInput, create_records_bulk
from taizhang.ledger.excel import cells
from taizhang.ledger.excel.columns import (
    EXAMPLE_MARK,
    SHEET_DATA,
    SHEET_HELP,
    SHEET_META,
    SHEET_OUTLETS,
    SHEET_UNITS,
    TEMPLATE_MARKER,
    TEMPLATE_VERSION,
    Column,
    columns_for,
    header_index,
    is_placement,
    match_header,
)
from taizhang.ledger.excel.safety import UnsafeFile, check_xlsx
from taizhang.ledger.models import ActivityType, ImportBatch, Outlet, Record
from taizhang.ledger.taxonomy import outlet_for_name
from taizhang.ledger.validation import FigureChecks, clean_figures, future_date_problem
from taizhang.org.models import Unit
from taizhang.org.roles import Cap
from taizhang.org.scoping import can_in_unit, has_cap, root_paths_for

MAX_ROWS = 50_000  # Excel-saved sheets are ~0.2 KB/row; openpyxl-written ones ~1.5 KB/row: within safety.Limits
MAX_ERRORS = 1000
HEADER_SCAN_ROWS = 10
ProgressFn = Callable[[int, int, str], None]
RESAVE = "请用 Excel 或 WPS 打开后另存为 .xlsx 再导入。"
_url_validator = URLValidator(schemes=["http", "https"])


@dataclass
class ImportOutcome:
    batch: ImportBatch
    rows: int = 0
    created: int = 0
    skipped: int = 0
    examples: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    duplicate_of: ImportBatch | None = None
    record_ids: list[int] = field(default_factory=list)

    @property
    def status(self) -> str:
        return self.batch.status

    @property
    def ok(self) -> bool:
        return self.batch.status in (ImportBatch.Status.COMMITTED, ImportBatch.Status.DUPLICATE)

    @property
    def summary(self) -> str:
        if self.batch.status == ImportBatch.Status.DUPLICATE:
            when = timezone.localtime(self.duplicate_of.created_at) if self.duplicate_of else None
            first = ""
            if when is not None and self.duplicate_of is not None:
                first = f"（已于 {when:%Y-%m-%d %H:%M} 导入，批次 #{self.duplicate_of.pk}）"
            return f"重复文件：该文件已导入过{first}，本次未新增记录。"
        if self.batch.status == ImportBatch.Status.COMMITTED:
            text = f"新增 {self.created} 条、跳过 {self.skipped} 条"
            if self.skipped:
                text += "（已导入过的行）"
            return text
        return f"校验未通过：共 {self.error_count} 处错误，未导入任何记录。请按提示修改后重新上传。"


class Errors:
    """Row/column errors, kept in order; at most MAX_ERRORS are stored, all are counted."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self.count = 0

    def add(self, row: int | None, column: int | None, header: str, message: str) -> None:
        self.count += 1
        if len(self.items) < MAX_ERRORS:
            letter = get_column_letter(column + 1) if column is not None else ""
            self.items.append({"row": row, "column": letter, "header": header, "message": message})

    def stored(self) -> list[dict[str, Any]]:
        if self.count > len(self.items):
            return [*self.items, {"row": None, "column": "", "header": "",
                                  "message": f"错误过多，仅列出前 {MAX_ERRORS} 处（共 {self.count} 处）。"}]
        return list(self.items)

    def __bool__(self) -> bool:
        return self.count > 0


def format_error(error: dict[str, Any]) -> str:
    """"第12行 D列（日期）：…" as the CLI and plain-text reports show it."""
    where = ""
    if error.get("row"):
        where = f"第{error['row']}行"
        if error.get("column"):
            where += f" {error['column']}列"
        if error.get("header"):
            where += f"（{error['header']}）"
    elif error.get("column"):
        where = f"{error['column']}列（{error.get('header', '')}）"
    return f"{where}：{error['message']}" if where else str(error["message"])


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def import_file(
    data: bytes,
    *,
    filename: str,
    acting_user: Any,
    unit: Unit | None = None,
    activity_type: ActivityType | None = None,
    submit: bool = False,
    batch: ImportBatch | None = None,
    progress: ProgressFn | None = None,
) -> ImportOutcome:
    """Validate the whole file, then commit all rows or none. Always returns an outcome with a saved batch."""
    user = acting_user if getattr(acting_user, "is_authenticated", False) else None
    sha = file_sha256(data)
    if batch is None:
        batch = ImportBatch.objects.create(
            sha256=sha, filename=(filename or "import.xlsx")[:200], unit=unit, activity_type=activity_type,
            created_by=user,
        )
    elif batch.sha256 != sha:
        batch.sha256 = sha
        batch.save(update_fields=["sha256", "updated_at"])
    outcome = ImportOutcome(batch=batch)
    errors = Errors()
    if acting_user is not None and not has_cap(acting_user, Cap.EDIT_RECORDS):
        errors.add(None, None, "", "您没有填报记录的权限，不能导入。")
        return _fail(outcome, errors, acting_user)
    if unit is not None and acting_user is not None and not can_in_unit(acting_user, Cap.EDIT_RECORDS, unit):
        errors.add(None, None, "", f"您不能为单位“{unit.name}”（{unit.code}）导入记录。")
        return _fail(outcome, errors, acting_user)
    earlier = (
        ImportBatch.objects.filter(sha256=sha, status=ImportBatch.Status.COMMITTED, unit=unit)
        .exclude(pk=batch.pk).order_by("created_at").first()
    )
    if earlier is not None:
        outcome.duplicate_of = earlier
        batch.status = ImportBatch.Status.DUPLICATE
        batch.activity_type = earlier.activity_type
        batch.errors = []
        batch.save()
        audit.record("import", batch, user=acting_user, after={"duplicate_of": earlier.pk}, message="重复文件，未导入")
        return outcome
    if progress:
        progress(0, 0, "正在检查文件")
    validator = _Validator(acting_user=acting_user, default_unit=unit, chosen_type=activity_type, errors=errors)
    try:
        check_xlsx(data)
        items = validator.run(data, progress)
    except UnsafeFile as exc:
        errors.add(None, None, "", exc.message)
        items = []
    outcome.rows, outcome.examples = validator.data_rows, validator.examples
    if validator.activity_type is not None:
        batch.activity_type = validator.activity_type
    if not errors and not items:
        errors.add(None, None, "", "文件中没有可导入的数据行（示例行不计）。请从第 4 行起填写数据后再上传。")
    if errors:
        return _fail(outcome, errors, acting_user)
    if progress:
        progress(len(items), len(items), f"校验通过，正在写入 {len(items)} 条记录")
    try:
        return _commit(outcome, items, acting_user=acting_user, submit=submit)
    except Exception:
        # The transaction rolled back: nothing was written. Leave the batch telling so, then let the caller log it.
        errors.add(None, None, "", "写入时发生系统错误，未导入任何记录。请稍后重试或联系管理员。")
        _fail(outcome, errors, acting_user)
        raise


def _fail(outcome: ImportOutcome, errors: Errors, acting_user: Any) -> ImportOutcome:
    batch = outcome.batch
    outcome.errors, outcome.error_count = errors.stored(), errors.count
    batch.status = ImportBatch.Status.FAILED
    batch.errors = outcome.errors
    batch.rows, batch.created, batch.skipped = outcome.rows, 0, 0
    batch.save()
    audit.record("import", batch, user=acting_user, success=False, message=f"校验未通过：{errors.count} 处错误",
                 after={"rows": outcome.rows, "errors": errors.count})
    return outcome


def _commit(outcome: ImportOutcome, items: list[RecordInput], *, acting_user: Any, submit: bool) -> ImportOutcome:
    batch = outcome.batch
    status = Record.Status.SUBMITTED if submit else Record.Status.DRAFT
    current = context.current()
    # A request id of its own: the batch's audit row and its records' audit rows share it (see filters: batch=).
    token = context.set_current(
        context.RequestContext(address=current.address, channel=current.channel, request_id=uuid.uuid4().hex[:16])
    )
    try:
        with transaction.atomic():
            _serialize_imports()
            known = _existing_keys([i.import_key or "" for i in items])
            fresh = [i for i in items if i.import_key not in known]
            records = create_records_bulk(fresh, acting_user=acting_user, source=Record.Source.IMPORT, status=status,
                                          import_batch=batch)
            outcome.created, outcome.skipped = len(records), len(items) - len(fresh)
            outcome.record_ids = [r.pk for r in records]
            batch.status = ImportBatch.Status.COMMITTED
            batch.rows, batch.created, batch.skipped, batch.errors = outcome.rows, outcome.created, outcome.skipped, []
            batch.save()
            audit.record(
                "import", batch, user=acting_user, message=outcome.summary,
                after={"rows": outcome.rows, "created": outcome.created, "skipped": outcome.skipped,
                       "status": status, "activity_type": batch.activity_type.key if batch.activity_type else None},
            )
    finally:
        context.reset(token)
    return outcome


IMPORT_LOCK_KEY = 0x747A696D  # "tzim"


def _serialize_imports() -> None:
    """Two imports of overlapping rows must not both miss each other's rows. SQLite serializes write transactions
    already (transaction_mode IMMEDIATE); on PostgreSQL a transaction-scoped advisory lock does the same."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [IMPORT_LOCK_KEY])


def _existing_keys(keys: Sequence[str], chunk: int = 900) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), chunk):
        part = keys[start:start + chunk]
        found.update(k for k in Record.objects.filter(import_key__in=part).values_list("import_key", flat=True) if k)
    return found


def import_key(unit: Unit, activity_type: ActivityType, day: datetime.date, title: str,
               figures: dict[Any, Decimal], placement: PlacementInput | None) -> str:
    """The row's natural key: a file with rows already in the ledger skips them."""
    figure_text = ";".join(sorted(f"{m.key}={v.normalize():f}" for m, v in figures.items()))
    parts = [unit.code, activity_type.key, day.isoformat(), title, figure_text]
    if placement is not None:
        parts += [placement.outlet.name, placement.article_title]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


class _Validator:
    """Reads the workbook and validates every row, collecting errors; returns RecordInputs when all is well."""

    def __init__(self, *, acting_user: Any, default_unit: Unit | None, chosen_type: ActivityType | None,
                 errors: Errors) -> None:
        self.user = acting_user
        self.default_unit = default_unit
        self.chosen_type = chosen_type
        self.errors = errors
        self.activity_type: ActivityType | None = None
        self.data_rows = 0
        self.examples = 0
        self._units: dict[str, Unit] = {}
        self._checks: FigureChecks | None = None
        self._units_folded: dict[str, Unit] = {}
        self._allowed: dict[int, str | None] = {}
        self._roots = root_paths_for(acting_user, Cap.EDIT_RECORDS) if acting_user is not None else []
        self._outlets: dict[str, Outlet | None] = {}
        self._today = timezone.localdate()
        self._columns: dict[str, Column] = {}
        self._width = 0
        self._metric_layout: list[tuple[str, int]] = []

    # --- reading ---------------------------------------------------------------------------------------------
    def run(self, data: bytes, progress: ProgressFn | None) -> list[RecordInput]:
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
        except Exception as exc:  # openpyxl raises many kinds of errors on damaged files
            raise UnsafeFile(f"无法读取该 Excel 文件：文件内容已损坏或格式不受支持。{RESAVE}") from exc
        try:
            meta = self._meta(wb)
            atype = self._resolve_type(meta)
            if atype is None:
                return []
            self.activity_type = atype
            ws = self._data_sheet(wb)
            if ws is None:
                self.errors.add(None, None, "", f"文件中没有“{SHEET_DATA}”工作表。请使用系统下载的模板。")
                return []
            rows = self._read_rows(ws)
        except UnsafeFile:
            raise
        except Exception as exc:  # a damaged sheet fails while its rows are read
            raise UnsafeFile(f"读取工作表时出错：文件内容已损坏。{RESAVE}") from exc
        finally:
            wb.close()
        if rows is None:
            return []
        return self._validate_rows(atype, rows, progress)

    def _meta(self, wb: Any) -> dict[str, str]:
        if SHEET_META not in wb.sheetnames:
            return {}
        meta: dict[str, str] = {}
        for row in wb[SHEET_META].iter_rows(min_row=1, max_row=50, max_col=2, values_only=True):
            if row and row[0] is not None:
                meta[str(row[0]).strip()] = cells.cell_text(row[1] if len(row) > 1 else None)
        return meta if meta.get("template") == TEMPLATE_MARKER else {}

    def _resolve_type(self, meta: dict[str, str]) -> ActivityType | None:
        key = meta.get("activity_type", "")
        version = meta.get("version", "")
        if version.isdigit() and int(version) > TEMPLATE_VERSION:
            self.errors.add(None, None, "", "该模板由更新版本的系统生成，当前系统无法识别。请重新下载模板。")
            return None
        atype = self.chosen_type
        if key:
            from_meta = ActivityType.objects.select_related("line").filter(key=key).first()
            if from_meta is None:
                self.errors.add(None, None, "", f"模板中的活动类型“{key}”在系统中不存在，请重新下载模板。")
                return None
            if atype is not None and atype.pk != from_meta.pk:
                self.errors.add(None, None, "",
                                f"该文件是“{from_meta.name}”的模板，与所选活动类型“{atype.name}”不一致。")
                return None
            atype = from_meta
        if atype is None:
            self.errors.add(None, None, "", "无法确定活动类型：请使用系统下载的模板，或在导入时选择活动类型。")
            return None
        if not atype.is_active:
            self.errors.add(None, None, "", f"活动类型“{atype.name}”已停用，不能导入。")
            return None
        return atype

    def _data_sheet(self, wb: Any) -> Any:
        if SHEET_DATA in wb.sheetnames:
            return wb[SHEET_DATA]
        for ws in wb.worksheets:
            if ws.title not in (SHEET_HELP, SHEET_UNITS, SHEET_OUTLETS, SHEET_META):
                return ws
        return None

    def _read_rows(self, ws: Any) -> list[tuple[Any, ...]] | None:
        """All rows up to the last non-blank one; refuses files with more than MAX_ROWS data rows."""
        ws.reset_dimensions()  # some writers store a wrong <dimension>; read what is really there
        rows: list[tuple[Any, ...]] = []
        filled = 0
        last = 0
        for values in ws.iter_rows(values_only=True):
            rows.append(values)
            if any(not cells.is_blank(v) for v in values):
                filled += 1
                last = len(rows)
                if filled > MAX_ROWS + HEADER_SCAN_ROWS:
                    self.errors.add(None, None, "",
                                    f"单个文件最多导入 {MAX_ROWS} 行，本文件超过该数量，请分成多个文件导入。")
                    return None
        return rows[:last]

    # --- validating ------------------------------------------------------------------------------------------
    def _validate_rows(
        self, atype: ActivityType, rows: list[tuple[Any, ...]], progress: ProgressFn | None
    ) -> list[RecordInput]:
        columns = columns_for(atype)
        header_at = self._find_header(rows, columns)
        if header_at is None:
            self.errors.add(1, None, "",
                            "未找到表头：第 1 行应为列名（如“日期”“标题”）。请使用系统下载的模板，不要删除表头。")
            return []
        layout = self._layout(rows[header_at], columns, header_at + 1)
        if layout is None:
            return []
        items: list[RecordInput] = []
        seen: dict[str, int] = {}
        body = rows[header_at + 1:]
        total = len(body)
        step = max(200, total // 50)
        for offset, values in enumerate(body):
            excel_row = header_at + 2 + offset
            if progress and offset and offset % step == 0:
                progress(offset, total, f"正在校验第 {offset}/{total} 行")
            if all(cells.is_blank(v) for v in values):
                continue
            marker = layout.get("example")
            if marker is not None and marker < len(values) and cells.cell_text(values[marker]) == EXAMPLE_MARK:
                self.examples += 1
                continue
            self.data_rows += 1
            item = self._validate_row(atype, layout, values, excel_row)
            if item is None:
                continue
            key = item.import_key or ""
            if key in seen:
                self.errors.add(excel_row, None, "",
                                f"与第 {seen[key]} 行重复（单位、日期、标题和数据均相同），请删除重复行。")
                continue
            seen[key] = excel_row
            items.append(item)
        if progress:
            progress(total, total, f"已校验 {total} 行")
        return items

    def _find_header(self, rows: list[tuple[Any, ...]], columns: list[Column]) -> int | None:
        index = header_index(columns)
        best, best_hits = None, 1
        for i, values in enumerate(rows[:HEADER_SCAN_ROWS]):
            hits = sum(1 for v in values if match_header(v, index) is not None)
            if hits > best_hits:
                best, best_hits = i, hits
        return best

    def _layout(self, header: tuple[Any, ...], columns: list[Column], row_no: int) -> dict[str, int] | None:
        """Column key → index in the row. Header errors (unknown, repeated or missing columns) stop the import."""
        index = header_index(columns)
        layout: dict[str, int] = {}
        self._columns = {c.key: c for c in columns}
        self._width = len(header)
        ok = True
        for i, text in enumerate(header):
            if cells.is_blank(text):
                continue
            col = match_header(text, index)
            if col is None:
                self.errors.add(row_no, i, cells.show(text),
                                f"无法识别的列“{cells.show(text)}”。请使用“{self.activity_type}”的导入模板，"
                                "不要增加或改名列；如确实不需要该列，请删除整列。")
                ok = False
            elif col.key in layout:
                first = get_column_letter(layout[col.key] + 1)
                self.errors.add(row_no, i, col.header,
                                f"列“{col.header}”重复出现（{first}列和{get_column_letter(i + 1)}列）。")
                ok = False
            else:
                layout[col.key] = i
        self._metric_layout = [(c.metric_key, layout[c.key]) for c in columns if c.metric_key and c.key in layout]
        for col in columns:
            if col.required and col.key not in layout:
                self.errors.add(row_no, None, col.header, f"缺少必填列“{col.header}”。请使用系统下载的模板。")
                ok = False
        if "unit_code" not in layout and self.default_unit is None:
            self.errors.add(row_no, None, "单位代码", "缺少“单位代码”列：请在文件中填写单位代码，或在导入时选择单位。")
            ok = False
        return layout if ok else None

    def _validate_row(
        self, atype: ActivityType, layout: dict[str, int], values: tuple[Any, ...], row: int
    ) -> RecordInput | None:
        errors_before = self.errors.count

        def get(key: str) -> Any:
            idx = layout.get(key)
            return values[idx] if idx is not None and idx < len(values) else None

        def fail(key: str | None, message: str) -> None:
            idx = layout.get(key) if key else None
            header = self._columns[key].header if key and key in self._columns else ""
            self.errors.add(row, idx, header, message)

        for i in range(self._width, len(values)):
            if not cells.is_blank(values[i]):
                self.errors.add(row, i, "",
                                f"该列没有列名，内容“{cells.show(values[i])}”无法导入。请删除该内容，或填到对应的列中。")
        unit = self._row_unit(get("unit_code"), fail)
        start = self._date(get("start_date"), "start_date", "日期", fail, required=True)
        end = self._date(get("end_date"), "end_date", "结束日期", fail, required=False)
        if start is not None and end is not None and end < start:
            fail("end_date", f"结束日期 {end.isoformat()} 不能早于日期 {start.isoformat()}")
        if start is not None and (problem := future_date_problem(start, self._today)):
            fail("start_date", problem)
        description = self._text(get("description"), "description", fail)
        location = self._text(get("location"), "location", fail)
        placement = self._placement(get, fail) if is_placement(atype) else None
        title = self._text(get("title"), "title", fail)
        if not title and placement is not None:
            title = placement.article_title[:200]
        if not title and not is_placement(atype):
            fail("title", "请填写标题")  # (a placement without title and article title is reported above)
        raw = {key: values[idx] if idx < len(values) else None for key, idx in self._metric_layout}
        clean, figure_errors = clean_figures(atype, raw, require_all=True)
        if not figure_errors and unit is not None:
            if self._checks is None:
                self._checks = FigureChecks()
            figure_errors = self._checks.problems(atype, clean, unit.kind)
        for key, messages in figure_errors.items():
            for message in messages:
                fail(f"metric:{key}", message)
        if self.errors.count != errors_before or unit is None or start is None or not title:
            return None
        return RecordInput(
            unit=unit, activity_type=atype, title=title, start_date=start, end_date=end, figures=clean,
            description=description, location=location, placement=placement,
            import_key=import_key(unit, atype, start, title, clean, placement),
        )

    def _row_unit(self, value: Any, fail: Callable[[str | None, str], None]) -> Unit | None:
        code = cells.parse_code(value)
        if not code:
            if self.default_unit is None:
                fail("unit_code", "请填写单位代码")
            return self.default_unit
        if not self._units:
            for u in Unit.objects.only("id", "code", "name", "path", "is_active", "parent_id", "kind"):
                self._units[u.code] = u
                self._units_folded.setdefault(u.code.casefold(), u)
        unit = self._units.get(code) or self._units_folded.get(code.casefold())
        if unit is None:
            fail("unit_code", f"单位代码“{cells.show(code)}”不存在，请从下拉列表或“单位”表中选择")
            return None
        if unit.pk not in self._allowed:
            self._allowed[unit.pk] = self._scope_problem(unit)
        problem = self._allowed[unit.pk]
        if problem:
            fail("unit_code", problem)
            return None
        return unit

    def _scope_problem(self, unit: Unit) -> str | None:
        if not unit.is_active:
            return f"单位“{unit.name}”（{unit.code}）已停用"
        if self.user is not None and not any(unit.path.startswith(root) for root in self._roots):
            return f"您无权为单位“{unit.name}”（{unit.code}）填报记录"
        if self.default_unit is not None and not unit.path.startswith(self.default_unit.path):
            return f"单位“{unit.name}”（{unit.code}）不在本次导入所选单位“{self.default_unit.name}”及其下级单位范围内"
        return None

    def _date(self, value: Any, key: str, label: str, fail: Callable[[str | None, str], None], *,
              required: bool) -> datetime.date | None:
        try:
            day = cells.parse_date(value, label)
        except ValueError as exc:
            fail(key, str(exc))
            return None
        if day is None and required:
            fail(key, f"请填写{label}")
        return day

    def _text(self, value: Any, key: str, fail: Callable[[str | None, str], None]) -> str:
        text = cells.cell_text(value)
        col = self._columns[key]
        if col.max_length and len(text) > col.max_length:
            fail(key, f"{col.header}过长：最多 {col.max_length} 字（现为 {len(text)} 字）")
        return text

    def _placement(self, get: Callable[[str], Any], fail: Callable[[str | None, str], None]) -> PlacementInput | None:
        before = self.errors.count
        name = unicodedata.normalize("NFKC", cells.cell_text(get("outlet"))).strip()
        outlet: Outlet | None = None
        if not name:
            fail("outlet", "请填写媒体名称")
        else:
            if name not in self._outlets:
                self._outlets[name] = outlet_for_name(name)
            outlet = self._outlets[name]
            if outlet is None:
                fail("outlet",
                     f"媒体“{cells.show(name)}”不在媒体名录中，请使用“媒体”表中的名称或别称，或联系管理员添加")
            elif not outlet.is_active:
                fail("outlet", f"媒体“{outlet.name}”已停用")
        article_title = self._text(get("article_title"), "article_title", fail)
        if not article_title:
            fail("article_title", "请填写稿件标题")
        url = self._text(get("url"), "url", fail)
        if url:
            try:
                _url_validator(url)
            except ValidationError:
                fail("url", f"链接格式不正确：“{cells.show(url)}”，应以 http:// 或 https:// 开头")
        page = self._text(get("page"), "page", fail)
        flags: dict[str, bool] = {}
        for key, label in (("is_headline", "头条"), ("is_front_page", "头版"), ("is_long", "千字以上")):
            try:
                flags[key] = cells.parse_bool(get(key), label)
            except ValueError as exc:
                fail(key, str(exc))
        word_count: int | None = None
        try:
            word_count = cells.parse_positive_int(get("word_count"), "字数")
        except ValueError as exc:
            fail("word_count", str(exc))
        if self.errors.count != before or outlet is None:
            return None
        return PlacementInput(
            outlet=outlet, article_title=article_title, url=url, page=page, word_count=word_count,
            is_headline=flags.get("is_headline", False), is_front_page=flags.get("is_front_page", False),
            is_long=flags.get("is_long", False),
        )


def iter_errors_text(errors: Sequence[dict[str, Any]]) -> Iterator[str]:
    for error in errors:
        yield format_error(error)
