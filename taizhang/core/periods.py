"""Reporting periods: 年度, 上半年, 前三季度, 季度, 月度 and any date range, parsed from a short SPEC.

SPEC forms: 2024, 2024H1, 2024H2, 2024Q1-Q3, 2024Q2, 2024-05, 2024-01-01..2024-06-30.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from taizhang.core.errors import InvalidInput

_CN_QUARTER = {1: "一", 2: "二", 3: "三", 4: "四"}
# Years a period may fall in: wide enough for any ledger, narrow enough that "previous year" and month lists of
# every period stay valid dates (year 0001 minus one would be no date at all).
MIN_YEAR = 1900
MAX_YEAR = 2199


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    spec: str
    kind: str  # year | half | quarters | quarter | month | range

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(f"时间段无效：结束日期 {self.end} 早于开始日期 {self.start}")
        if not (self.start.year >= MIN_YEAR and self.end.year <= MAX_YEAR):
            raise InvalidInput(f"时间段无效：年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")

    @property
    def label(self) -> str:
        """The Chinese name of the period as summaries write it."""
        y = self.start.year
        if self.kind == "year":
            return f"{y}年"
        if self.kind == "half":
            return f"{y}年上半年" if self.start.month == 1 else f"{y}年下半年"
        if self.kind == "quarters":
            first, last = (self.start.month - 1) // 3 + 1, (self.end.month - 1) // 3 + 1
            if first == 1 and last == 3:
                return f"{y}年前三季度"
            return f"{y}年第{_CN_QUARTER[first]}至第{_CN_QUARTER[last]}季度"
        if self.kind == "quarter":
            return f"{y}年第{_CN_QUARTER[(self.start.month - 1) // 3 + 1]}季度"
        if self.kind == "month":
            return f"{y}年{self.start.month}月"
        start, end = self.start, self.end
        return f"{start.year}年{start.month}月{start.day}日至{end.year}年{end.month}月{end.day}日"

    @property
    def short_label(self) -> str:
        """The period without its year (全年, 上半年, 前三季度 …), for sentences inside a summary."""
        return {
            "year": "全年",
            "half": "上半年" if self.start.month == 1 else "下半年",
        }.get(self.kind, self.label.removeprefix(f"{self.start.year}年"))

    def previous_year(self) -> Period:
        """The same period one year earlier (for 同比)."""
        return Period(_shift_year(self.start, -1), _shift_year(self.end, -1), _shift_spec(self.spec), self.kind)

    def months(self) -> list[tuple[int, int]]:
        out: list[tuple[int, int]] = []
        y, m = self.start.year, self.start.month
        while (y, m) <= (self.end.year, self.end.month):
            out.append((y, m))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return out

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def to_dict(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "spec": self.spec, "label": self.label}


def _shift_year(day: date, years: int) -> date:
    year = day.year + years
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidInput(f"时间段无效：年份应在 {MIN_YEAR}–{MAX_YEAR} 之间")
    last = calendar.monthrange(year, day.month)[1]
    return date(year, day.month, min(day.day, last))


def _shift_spec(spec: str) -> str:
    return re.sub(r"\d{4}", lambda m: str(int(m.group(0)) - 1), spec)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^([0-9]{4})$"), "year"),
    (re.compile(r"^([0-9]{4})H([12])$", re.I), "half"),
    (re.compile(r"^([0-9]{4})Q([1-4])-Q?([1-4])$", re.I), "quarters"),
    (re.compile(r"^([0-9]{4})Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^([0-9]{4})-([0-9]{1,2})$"), "month"),
    (re.compile(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})\.\.([0-9]{4}-[0-9]{2}-[0-9]{2})$"), "range"),
]


def parse_period(spec: str) -> Period:
    """Parse a SPEC; raise InvalidInput with a Chinese message on anything else."""
    text = str(spec).strip()
    if len(text) > 40:  # the longest form, a date range, has 22 characters
        text = ""
    for pattern, kind in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        try:
            if kind == "year":
                y = int(m.group(1))
                return Period(date(y, 1, 1), date(y, 12, 31), text, kind)
            if kind == "half":
                y, h = int(m.group(1)), int(m.group(2))
                return Period(date(y, 1 if h == 1 else 7, 1), _month_end(y, 6 if h == 1 else 12), text.upper(), kind)
            if kind == "quarters":
                y, q1, q2 = int(m.group(1)), int(m.group(2)), int(m.group(3))
                if q2 < q1:
                    break
                return Period(date(y, 3 * q1 - 2, 1), _month_end(y, 3 * q2), f"{y}Q{q1}-Q{q2}", kind)
            if kind == "quarter":
                y, q = int(m.group(1)), int(m.group(2))
                return Period(date(y, 3 * q - 2, 1), _month_end(y, 3 * q), f"{y}Q{q}", kind)
            if kind == "month":
                y, mo = int(m.group(1)), int(m.group(2))
                return Period(date(y, mo, 1), _month_end(y, mo), f"{y}-{mo:02d}", kind)
            start, end = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
            return Period(start, end, text, kind)
        except (ValueError, OverflowError):
            break
    raise InvalidInput(
        f"无法识别的时间段“{str(spec)[:40]}”。可用格式：2024（年度）、2024H1（上半年）、2024Q1-Q3（前三季度）、"
        "2024Q2（季度）、2024-05（月度）、2024-01-01..2024-06-30（任意日期范围）"
    )


def period_for_year_to_date(today: date) -> Period:
    return Period(date(today.year, 1, 1), today, f"{today.year}-01-01..{today.isoformat()}", "range")


def month_periods(period: Period) -> list[Period]:
    return [Period(date(y, m, 1), _month_end(y, m), f"{y}-{m:02d}", "month") for y, m in period.months()]


def clamp_to(period: Period, today: date) -> Period:
    """The part of a period up to today (for time-proportional progress)."""
    if today >= period.end:
        return period
    end = max(period.start, today)
    return Period(period.start, end, period.spec, period.kind)


ONE_DAY = timedelta(days=1)
