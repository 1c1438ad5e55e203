"""Working days by the Chinese statutory calendar (法定节假日与调休), from the chinese-calendar package.

Visits fall on working days only; publication deadlines count working days. The package covers the
years its release knows; for any other year this module raises a clear error rather than guessing.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar

__all__ = ["CalendarError", "working_days", "is_working_day", "add_working_days"]


class CalendarError(ValueError):
    """The statutory calendar of a year is not known to the installed chinese-calendar package."""


@lru_cache(maxsize=32)
def working_days(year: int) -> tuple[dt.date, ...]:
    """Every working day of ``year`` in order (weekdays not on holiday, plus make-up 调休 weekends)."""
    try:
        days = chinese_calendar.get_workdays(dt.date(year, 1, 1), dt.date(year, 12, 31))
    except NotImplementedError as exc:
        raise CalendarError(
            f"the Chinese statutory calendar for {year} is not in chinese-calendar "
            f"{getattr(chinese_calendar, '__version__', '')}: {exc}; upgrade the package once the State Council "
            "publishes that year's holiday arrangement"
        ) from None
    return tuple(days)


@lru_cache(maxsize=32)
def _working_set(year: int) -> frozenset[dt.date]:
    return frozenset(working_days(year))


def is_working_day(day: dt.date) -> bool:
    return day in _working_set(day.year)


def add_working_days(start: dt.date, count: int) -> dt.date:
    """The date ``count`` working days after ``start`` (start itself not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
