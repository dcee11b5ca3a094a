import datetime

from taizhang.cases.workdays import add_working_days, is_workday, working_days_between

D = datetime.date


def test_national_day_holiday_is_skipped() -> None:
    # 2026-09-30 (Wed) + 1 working day: 10-01..10-07 are the National Day holiday, 10-08 is the next working day.
    assert add_working_days(D(2026, 9, 30), 1) == (D(2026, 10, 8), False)
    assert add_working_days(D(2026, 9, 29), 3) == (D(2026, 10, 9), False)


def test_adjusted_saturday_counts() -> None:
    # 2026-10-10 is a Saturday worked in exchange (调休); 2026-09-27 is an ordinary Sunday off.
    assert is_workday(D(2026, 10, 10))
    assert not is_workday(D(2026, 9, 27))
    assert not is_workday(D(2026, 10, 1))
    # Thursday 10-08 + 2 working days = Saturday 10-10 (not Monday 10-12).
    assert add_working_days(D(2026, 10, 8), 2) == (D(2026, 10, 10), False)


def test_ordinary_week() -> None:
    assert add_working_days(D(2026, 11, 13), 1) == (D(2026, 11, 16), False)  # Friday → Monday
    assert add_working_days(D(2026, 11, 14), 0) == (D(2026, 11, 16), False)  # Saturday → Monday


def test_adjusted_sunday_and_mid_autumn() -> None:
    # Friday 09-18 + 1 = Sunday 09-20 (调休 for National Day); Thursday 09-24 + 1 skips the Mid-autumn days.
    assert add_working_days(D(2026, 9, 18), 1) == (D(2026, 9, 20), False)
    assert add_working_days(D(2026, 9, 24), 1) == (D(2026, 9, 28), False)


def test_years_the_calendar_does_not_know_are_provisional() -> None:
    day, provisional = add_working_days(D(2027, 3, 5), 1)  # Friday
    assert provisional is True
    assert day == D(2027, 3, 8)
    # a deadline computed across the year boundary is provisional too
    assert add_working_days(D(2026, 12, 30), 5)[1] is True
    assert add_working_days(D(2026, 12, 1), 5)[1] is False


def test_working_days_between() -> None:
    assert working_days_between(D(2026, 9, 30), D(2026, 10, 8)) == 1
    assert working_days_between(D(2026, 10, 8), D(2026, 10, 12)) == 3  # Fri, 调休 Sat, Mon
    assert working_days_between(D(2026, 10, 12), D(2026, 10, 8)) == -3
    assert working_days_between(D(2026, 10, 8), D(2026, 10, 8)) == 0
