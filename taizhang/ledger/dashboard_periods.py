"""The dashboard's periods: the picker's presets, the period a request asks for, and the comparison period of 同比
(which summaries use too, so that both write the same change)."""

from __future__ import annotations

import calendar
from datetime import date

from taizhang.core.errors import InvalidInput
from taizhang.core.periods import Period, parse_period

QUARTERS_CN = {1: "一", 2: "二", 3: "三", 4: "四"}


# ---------------------------------------------------------------------------------------------------------------
# Periods: presets of the picker, what the request asks for, the comparison period
# ---------------------------------------------------------------------------------------------------------------
def default_period(today: date) -> Period:
    """The current year (同比 then runs against last year up to the same day)."""
    return parse_period(str(today.year))


def period_presets(today: date, years: int = 2) -> list[tuple[str, list[tuple[str, str]]]]:
    """<optgroup>s of SPEC presets for the current and previous years: 年度, 上半年, 前三季度, 季度, 月度.
    Presets of the current year that have not started yet are left out."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for year in range(today.year, today.year - years, -1):
        specs = [str(year), f"{year}H1", f"{year}Q1-Q3", *(f"{year}Q{q}" for q in range(1, 5)),
                 *(f"{year}-{m:02d}" for m in range(1, 13))]
        options = []
        for spec in specs:
            period = parse_period(spec)
            if period.start > today:
                continue
            options.append((spec, preset_label(period)))
        groups.append((f"{year}年", options))
    return groups


def preset_label(period: Period) -> str:
    if period.kind == "year":
        return f"{period.start.year}年全年"
    if period.kind == "quarter":
        return f"{period.start.year}年第{QUARTERS_CN[(period.start.month - 1) // 3 + 1]}季度"
    return period.label


def resolve_period(spec: str | None, date_from: str | None, date_to: str | None, *, custom: bool,
                   today: date) -> tuple[Period, str]:
    """The period a request asks for and an error message ("" when fine). `custom` (the 按日期查询 button or the
    自定义 option) takes the from/to dates; otherwise the SPEC. Bad input falls back to the current year."""
    if custom or (not spec and (date_from or date_to)):
        if not date_from or not date_to:
            return default_period(today), "请同时填写起始日期和截止日期"
        try:
            start, end = date.fromisoformat(date_from), date.fromisoformat(date_to)
        except ValueError:
            return default_period(today), "日期格式应为 YYYY-MM-DD"
        if end < start:
            return default_period(today), "截止日期不能早于起始日期"
        spec = f"{start.isoformat()}..{end.isoformat()}"
    if not spec:
        return default_period(today), ""
    try:
        return parse_period(spec), ""
    except InvalidInput as exc:
        return default_period(today), exc.message


def _year_earlier(day: date) -> date:
    year = day.year - 1
    return date(year, day.month, min(day.day, calendar.monthrange(year, day.month)[1]))


def comparison_period(period: Period, today: date) -> Period:
    """The same period last year; for a period still running, last year from its start up to the same day."""
    previous = period.previous_year()
    if period.start <= today < period.end:
        start, end = previous.start, _year_earlier(today)
        return Period(start, end, f"{start.isoformat()}..{end.isoformat()}", "range")
    return previous
