"""Chinese working days: statutory holidays off, 调休 Saturdays/Sundays on (the `chinese-calendar` package).

The package knows the years the State Council has announced; for later years it raises NotImplementedError, so
we fall back to Monday–Friday and say the answer is provisional (the UI shows “（暂定）”).
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=8192)
def _is_workday(day: datetime.date) -> tuple[bool, bool]:
    """(is a working day, provisional)."""
    try:
        return bool(chinese_calendar.is_workday(day)), False
    except NotImplementedError:
        return day.weekday() < 5, True


def is_workday(day: datetime.date) -> bool:
    return _is_workday(day)[0]


def is_provisional(day: datetime.date) -> bool:
    return _is_workday(day)[1]


def add_working_days(start: datetime.date, n: int) -> tuple[datetime.date, bool]:
    """The n-th working day after `start` (start itself not counted) and whether the answer is provisional.

    n = 0 gives `start` if it is a working day, else the next working day.
    """
    if n < 0:
        raise ValueError("n must not be negative")
    day = start
    provisional = False
    if n == 0:
        while True:
            work, prov = _is_workday(day)
            provisional = provisional or prov
            if work:
                return day, provisional
            day += datetime.timedelta(days=1)
    counted = 0
    while counted < n:
        day += datetime.timedelta(days=1)
        work, prov = _is_workday(day)
        provisional = provisional or prov
        if work:
            counted += 1
    return day, provisional


def working_days_between(a: datetime.date, b: datetime.date) -> int:
    """Working days after `a` up to and including `b` (negative when b < a): 0 when a == b."""
    if b < a:
        return -working_days_between(b, a)
    count = 0
    day = a
    while day < b:
        day += datetime.timedelta(days=1)
        if _is_workday(day)[0]:
            count += 1
    return count
