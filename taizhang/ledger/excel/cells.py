"""Reading typed values out of spreadsheet cells, with Chinese error messages (raised as ValueError)."""

from __future__ import annotations

import datetime
import re
import unicodedata
from decimal import Decimal
from typing import Any

from taizhang.ledger.excel.columns import NO_WORDS, YES_WORDS

_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})[日号]?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
EXAMPLE_DATE = "2024-05-12"
MIN_YEAR = 1990


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def cell_text(value: Any) -> str:
    """A cell as trimmed text: numbers without a spurious ".0", dates as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def show(value: Any, limit: int = 30) -> str:
    """A cell value quoted in a message, shortened."""
    text = cell_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_date(value: Any, label: str = "日期") -> datetime.date | None:
    """Excel dates, serial numbers, "2024-05-12", "2024/5/12", "2024.5.12", "2024年5月12日", "20240512"."""
    if is_blank(value):
        return None
    if isinstance(value, datetime.datetime):
        day = value.date()
    elif isinstance(value, datetime.date):
        day = value
    elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        day = _from_number(value, label)
    else:
        day = _from_text(str(value), label)
    if day.year < MIN_YEAR:
        raise ValueError(f"{label}“{day.isoformat()}”早于 {MIN_YEAR} 年，请检查是否填错（格式如 {EXAMPLE_DATE}）")
    return day


def _from_number(value: int | float | Decimal, label: str) -> datetime.date:
    number = float(value)
    if number.is_integer() and 19000101 <= number <= 29991231:
        return _from_text(str(int(number)), label)
    if 1 <= number < 2958466:  # an Excel serial date (a date typed into a cell without a date format)
        from openpyxl.utils.datetime import from_excel

        result = from_excel(number)
        return result.date() if isinstance(result, datetime.datetime) else result
    raise ValueError(f"{label}格式无法识别：“{cell_text(value)}”，请按 {EXAMPLE_DATE} 的格式填写")


def _from_text(raw: str, label: str) -> datetime.date:
    text = unicodedata.normalize("NFKC", raw).strip().replace(" ", "")
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError as exc:
                raise ValueError(f"{label}不存在：{raw.strip()}（请检查月份和日）") from exc
    raise ValueError(f"{label}格式无法识别：“{show(raw)}”，请按 {EXAMPLE_DATE} 的格式填写")


def parse_bool(value: Any, label: str) -> bool:
    if is_blank(value):
        return False
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", cell_text(value)).strip().lower()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    raise ValueError(f"“{label}”应填写“是”或“否”，收到的是“{show(value)}”")


def parse_positive_int(value: Any, label: str, maximum: int = 10_000_000) -> int | None:
    if is_blank(value):
        return None
    from taizhang.ledger.validation import parse_decimal

    try:
        number = parse_decimal(value)
    except ValueError as exc:
        raise ValueError(f"“{label}”应填写整数，收到的是“{show(value)}”") from exc
    if number is None:
        return None
    if number != number.to_integral_value() or number < 0:
        raise ValueError(f"“{label}”应填写不小于 0 的整数，收到的是“{show(value)}”")
    if number > maximum:
        raise ValueError(f"“{label}”不能大于 {maximum}")
    return int(number)


def parse_code(value: Any) -> str:
    """A unit code: numbers lose their ".0", full-width characters become half-width."""
    return unicodedata.normalize("NFKC", cell_text(value)).strip()
