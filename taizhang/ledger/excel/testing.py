"""Building import files in tests and the benchmark: a real template filled like a liaison would fill it."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from openpyxl import Workbook, load_workbook

from taizhang.ledger.excel.columns import FIRST_DATA_ROW, HEADER_ROW, SHEET_DATA, normalize_header, strip_hint
from taizhang.ledger.excel.templates import build_template
from taizhang.ledger.models import ActivityType


def fill_template(
    activity_type: ActivityType,
    rows: Iterable[Mapping[str, Any]],
    *,
    user: Any = None,
    keep_examples: bool = True,
) -> bytes:
    """Generate the type's template and fill rows from row 4. Row dicts are keyed by header (without * or the
    bracketed hint: "日期", "参学人数", "头条") or by column key ("start_date", "metric:theory_participants")."""
    wb = load_workbook(io.BytesIO(build_template(activity_type, user=user)))
    ws = wb[SHEET_DATA]
    positions: dict[str, int] = {}
    from taizhang.ledger.excel.columns import columns_for

    for idx, col in enumerate(columns_for(activity_type), start=1):
        positions[col.key] = idx
        positions[strip_hint(normalize_header(col.header))] = idx
        positions[normalize_header(col.header)] = idx
        if col.metric_key:
            positions[col.metric_key] = idx
    for offset, row in enumerate(rows):
        for name, value in row.items():
            idx = positions.get(name) or positions.get(strip_hint(normalize_header(name))) or 0
            if not idx:
                raise KeyError(f"no column {name!r}")
            ws.cell(row=FIRST_DATA_ROW + offset, column=idx, value=value)
    if not keep_examples:
        ws.delete_rows(HEADER_ROW + 1, FIRST_DATA_ROW - HEADER_ROW - 1)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def plain_workbook(headers: Sequence[Any], rows: Iterable[Sequence[Any]], *, write_only: bool = True) -> bytes:
    """A workbook without template metadata (sheet 填报): the activity type must then be given."""
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet(SHEET_DATA) if write_only else wb.active
    assert ws is not None
    if not write_only:
        ws.title = SHEET_DATA
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rewrite_part(data: bytes, name: str, transform: Any = None, *, add: Mapping[str, bytes] | None = None) -> bytes:
    """Copy an xlsx, replacing one part's bytes through `transform` and adding parts (for hostile-file tests)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == name and transform is not None:
                content = transform(content)
            dst.writestr(info.filename, content)
        for extra_name, content in (add or {}).items():
            dst.writestr(extra_name, content)
    return out.getvalue()
