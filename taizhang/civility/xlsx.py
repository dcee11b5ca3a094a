"""Reading and writing the civility workbooks (framework, sites, surveys): the safety checks of the ledger's
importer first, then rows as dicts keyed by the header text, with their sheet row numbers."""

from __future__ import annotations

import io
from typing import Any

from taizhang.core.errors import InvalidInput
from taizhang.ledger.excel.safety import check_xlsx

MAX_ROWS = 20_000


def _header(value: Any) -> str:
    text = str(value or "").strip().replace("*", "").replace("＊", "")
    return text.split("（")[0].split("(")[0].strip()


def read_rows(data: bytes, columns: list[str], *, required: list[str]) -> list[tuple[int, dict[str, Any]]]:
    from openpyxl import load_workbook

    check_xlsx(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise InvalidInput("无法读取该 Excel 文件", {"file": ["无法读取该 Excel 文件，请另存为 xlsx 后重试"]}) from exc
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    try:
        header = next(rows)
    except StopIteration as exc:
        raise InvalidInput("表格是空的", {"file": ["表格是空的"]}) from exc
    index: dict[str, int] = {}
    for i, value in enumerate(header):
        name = _header(value)
        if name in columns and name not in index:
            index[name] = i
    missing = [c for c in required if c not in index]
    if missing:
        message = f"表头缺少列：{'、'.join(missing)}（第1行）"
        raise InvalidInput(message, {"file": [message]})
    out: list[tuple[int, dict[str, Any]]] = []
    for line, values in enumerate(rows, 2):
        if values is None or all(v is None or str(v).strip() == "" for v in values):
            continue
        if len(out) >= MAX_ROWS:
            raise InvalidInput(f"表格超过{MAX_ROWS}行", {"file": [f"一次最多导入{MAX_ROWS}行"]})
        out.append((line, {name: (values[i] if i < len(values) else None) for name, i in index.items()}))
    workbook.close()
    return out


def write_rows(columns: list[str], rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(columns)
    for row in rows:
        sheet.append([("'" + v) if isinstance(v, str) and v[:1] and v[:1] in "=+-@" else v for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
