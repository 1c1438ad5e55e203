"""The calendar (相同对象、相近时间): rounds of tasks whose windows share dates, their alignment, working days.

Guarantees: a round's tasks share at least the configured number of days inside every task's window (moved
only within its ``window_flex``); visits and deadlines fall on working days of the Chinese statutory
calendar (法定节假日与调休), and a year the calendar does not cover is an error, never a guess.
"""

from optimizer.calendar.align import (
    AlignConfig,
    Alignment,
    align_calendar,
    expected_visits,
    subject_profiles,
)
from optimizer.calendar.dating import Staffing, department_weeks, staffing_from
from optimizer.calendar.load import calendar_load, overload_summary
from optimizer.calendar.rounds import stab_rounds
from optimizer.calendar.workdays import (
    CalendarError,
    add_working_days,
    is_working_day,
    working_days,
)

__all__ = [
    "AlignConfig", "Alignment", "CalendarError", "Staffing", "department_weeks", "calendar_load", "overload_summary", "staffing_from", "add_working_days", "align_calendar", "expected_visits",
    "is_working_day", "stab_rounds", "subject_profiles", "working_days",
]
