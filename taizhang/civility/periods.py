"""Periods for civility work: everything `core.periods.parse_period` reads, plus ISO weeks ("2024-W19")."""

from __future__ import annotations

import datetime
import re

from django.utils import timezone

from taizhang.core.periods import Period, parse_period

WEEK_RE = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)


def week_period(monday: datetime.date) -> Period:
    monday = monday - datetime.timedelta(days=monday.weekday())
    year, week, _ = monday.isocalendar()
    return Period(monday, monday + datetime.timedelta(days=6), f"{year}-W{week:02d}", "range")


def parse_spec(spec: str) -> Period:
    match = WEEK_RE.match((spec or "").strip())
    if match:
        from taizhang.core.errors import InvalidInput

        year, week = int(match.group(1)), int(match.group(2))
        try:
            monday = datetime.date.fromisocalendar(year, week, 1)
        except ValueError as exc:
            raise InvalidInput(f"无法识别的周：{spec}", {"period": [f"无法识别的周：{spec}"]}) from exc
        return week_period(monday)
    return parse_period(spec)


def period_label(period: Period) -> str:
    if WEEK_RE.match(period.spec):
        return f"{period.start.month}月{period.start.day}日至{period.end.month}月{period.end.day}日"
    return period.label


def bounds(period: Period) -> tuple[datetime.datetime, datetime.datetime]:
    """Aware datetimes [start, end) of the period's local days (for indexed datetime filters)."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(period.start, datetime.time.min, tzinfo=tz)
    end = datetime.datetime.combine(period.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)
    return start, end


def weeks_in(period: Period) -> list[Period]:
    monday = period.start - datetime.timedelta(days=period.start.weekday())
    out = []
    while monday <= period.end:
        out.append(week_period(monday))
        monday += datetime.timedelta(days=7)
    return out
