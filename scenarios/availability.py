"""Officers' availability (leave, training, secondment, summer rota): ``availability.csv``, named in scenario.yaml.

Columns ``officer_id,start,end,weekly_capacity``. In every ISO week overlapping ``start..end`` the officer's
capacity is ``weekly_capacity`` instead of the directory's; 0 means away, and no visit of theirs may fall on any
day from ``start`` to ``end``. Where rows overlap, the smallest number applies. Checked like the directories —
each problem names the file, the row and the field: an unknown officer, a date that is not a date or lies
outside the plan year, an end before its start, a capacity that is not a whole number ≥ 0.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from scenarios.errors import Problem
from scenarios.schema import MAX_REPORTED, DirectorySchema, check_directory

__all__ = ["AVAILABILITY", "check_availability", "officer_weeks", "away_days"]


def _date(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    value = col.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return value.is_null(), value, "cell.date"


def _count(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    value = col.str.strip_chars().cast(pl.Int64, strict=False)
    return value.is_null() | (value < 0) | (value > 1_000_000), value.cast(pl.Int32, strict=False), "cell.count"


def _id(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    return col.is_null() | (col.str.strip_chars() == ""), col.str.strip_chars(), "cell.empty"


AVAILABILITY = DirectorySchema(
    name="availability", key="officer_id",
    columns={"officer_id": _id, "start": _date, "end": _date, "weekly_capacity": _count},
)


def check_availability(raw: pl.DataFrame, officers: pl.DataFrame | None, year: int,
                       file: str) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Check and type the rows read as text (with ``__row``); return (officer_id, start, end, weekly_capacity)
    and every problem, each naming ``file``, its row and its field."""
    typed, problems = check_directory(raw, AVAILABILITY, file)
    problems = [p for p in problems if p.code != "id.duplicate_row"]  # several rows per officer are the point
    if typed is None:
        return None, problems
    ok = typed.drop_nulls(["officer_id", "start", "end", "weekly_capacity"])
    reversed_ = ok.filter(pl.col("end") < pl.col("start")).sort("__row")
    for row, start, end in reversed_.select("__row", "start", "end").head(MAX_REPORTED).iter_rows():
        problems.append(Problem.of(file, row, "end", "availability.reversed", start=str(start), end=str(end)))
    for field in ("start", "end"):
        outside = ok.filter(pl.col(field).dt.year() != year).sort("__row")
        for row, value in outside.select("__row", field).head(MAX_REPORTED).iter_rows():
            problems.append(Problem.of(file, row, field, "availability.out_of_year", value=str(value), year=year))
    if officers is not None:
        unknown = ok.join(officers.select("officer_id"), on="officer_id", how="anti").sort("__row")
        for row, value in unknown.select("__row", "officer_id").head(MAX_REPORTED).iter_rows():
            problems.append(Problem.of(file, row, "officer_id", "availability.unknown_officer", value=value))
    if any(p.severity == "error" for p in problems):
        return None, problems
    return typed.select("officer_id", "start", "end", "weekly_capacity").sort("officer_id", "start", "end",
                                                                             "weekly_capacity"), problems


def officer_weeks(availability: pl.DataFrame | None) -> pl.DataFrame:
    """Officer_id, week (the ISO Monday), weekly_capacity: each officer's capacity in every week a row of
    ``availability`` overlaps, the smallest where rows overlap. Weeks no row touches keep the directory's."""
    schema = {"officer_id": pl.String, "week": pl.Date, "weekly_capacity": pl.Int32}
    if availability is None or availability.height == 0:
        return pl.DataFrame(schema=schema)
    weeks = availability.with_columns(
        pl.date_ranges(pl.col("start").dt.truncate("1w"), pl.col("end").dt.truncate("1w"), "1w").alias("week")
    ).explode("week")
    return weeks.group_by("officer_id", "week").agg(pl.col("weekly_capacity").min().cast(pl.Int32)).sort(
        "officer_id", "week").select(list(schema))


def away_days(availability: pl.DataFrame | None) -> pl.DataFrame:
    """Officer_id, start, end of the rows that say the officer is away (weekly capacity 0)."""
    if availability is None or availability.height == 0:
        return pl.DataFrame(schema={"officer_id": pl.String, "start": pl.Date, "end": pl.Date})
    return availability.filter(pl.col("weekly_capacity") == 0).select("officer_id", "start", "end")


def week_monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())
