"""Solver-independent checks of a bundling result: the executable specification of the bundling rules.

Each function reads only the input frames and the result frames (never the solver's internals) and
returns human-readable violations; an empty list means the rule holds.
"""

from __future__ import annotations

import polars as pl

from optimizer.hard_rules import (
    not_working_days,
    outside_windows,
    over_annual_cap,
    pair_coverage,
    visit_id_problems,
)

__all__ = ["check_bundle"]


def check_bundle(inp, result) -> list[str]:
    """Every rule of :mod:`optimizer.bundling.bundle` on a written plan; ``[]`` when all hold."""
    return [*_each_pair_once(inp, result), *_dates(inp, result), *_departments(inp, result),
            *_capacity(inp, result), *_caps(inp, result), *_figures(result)]


def _each_pair_once(inp, result) -> list[str]:
    served = result.visits.select("subject_id", pl.col("task_ids").alias("task_id")).explode("task_id")
    bad = pair_coverage(served, inp.selected, result.unplaced)
    return [f"pair {s}/{t} appears {n + u} times in visits and unplaced (expected 1)" if d
            else f"pair {s}/{t} is in the result but was not selected"
            for s, t, n, u, d in bad.select("subject_id", "task_id", "served", "unplaced", "drawn").rows()]


def _dates(inp, result) -> list[str]:
    rows = result.visits.select("visit_id", "date", pl.col("task_ids").alias("task_id")).explode("task_id")
    out = [f"visit {v} on {day} is outside task {t}'s window {start}..{end}"
           for v, day, t, start, end in outside_windows(rows, inp.windows).rows()]
    out += [f"visit {v} is on {day}, not a working day" for v, day in not_working_days(result.visits).rows()]
    for v, day, week in result.visits.select("visit_id", "date", "week").rows():
        if day.isocalendar()[1] != week:
            out.append(f"visit {v}: week {week} is not the ISO week of {day}")
    dup = result.visits.filter(pl.struct("subject_id", "date").is_duplicated())
    out += [f"subject {s} has two visits on {d}" for s, d in dup.select("subject_id", "date").unique().sort("subject_id", "date").rows()]
    return out


def _usage(inp, visits: pl.DataFrame) -> pl.DataFrame:
    """Officer-visits per (visit, department): the max over the visit's tasks involving the department."""
    tasks = inp.task_departments.select("task_id", pl.col("departments").alias("department")).explode("department")
    tasks = tasks.join(inp.officers_per_department.select("task_id", "min_officers_per_department"), on="task_id")
    rows = visits.select("visit_id", "date", pl.col("task_ids").alias("task_id")).explode("task_id").join(tasks, on="task_id")
    return rows.group_by("visit_id", "date", "department").agg(pl.col("min_officers_per_department").max().alias("officers"))


def _departments(inp, result) -> list[str]:
    use = _usage(inp, result.visits)
    given = result.visits.select("visit_id", pl.col("departments").alias("department"), pl.col("officers")).explode("department", "officers")
    merged = use.join(given, on=["visit_id", "department"], how="full", coalesce=True)
    bad = merged.filter(pl.col("officers").is_null() | pl.col("officers_right").is_null() | (pl.col("officers") != pl.col("officers_right")))
    return [f"visit {v}: department {d} should send {o} officers, the plan says {p}" for v, _, d, o, p in bad.sort("visit_id", "department").rows()]


def _capacity(inp, result) -> list[str]:
    use = _usage(inp, result.visits).select("department", "date", pl.col("officers").cast(pl.Int64))
    if getattr(inp, "used", None) is not None:  # visits fixed outside the bundling (an adjustment's kept ones)
        use = pl.concat([use, inp.used.select("department", "date", pl.col("officers").cast(pl.Int64))])
    use = use.with_columns(pl.col("date").dt.iso_year().alias("iso_year"), pl.col("date").dt.week().alias("week"))
    weekly = use.group_by("department", "iso_year", "week").agg(pl.col("officers").sum())
    weekly = weekly.join(inp.capacity.select("department", "weekly_capacity"), on="department", how="left")
    bad = weekly.filter(pl.col("officers") > pl.col("weekly_capacity").fill_null(0)).sort("department", "iso_year", "week")
    return [f"department {d} in {y}-W{w:02d}: {o} officer-visits over capacity {c}" for d, y, w, o, c in bad.rows()]


def _caps(inp, result) -> list[str]:
    return [f"subject {s}: {k} visits over its annual cap {c}" for s, k, c in over_annual_cap(result.visits, inp.caps).rows()]


def _figures(result) -> list[str]:
    out = []
    if result.objective != result.visits.height:
        out.append(f"objective {result.objective} is not the number of visits {result.visits.height}")
    if result.bound > result.objective:
        out.append(f"bound {result.bound} exceeds the objective {result.objective}")
    if result.visits.select("date", "subject_id").rows() != result.visits.sort("date", "subject_id").select(
            "date", "subject_id").rows():
        out.append("visits are not listed in (date, subject) order")
    no_teams = pl.DataFrame(schema={"visit_id": pl.String})
    out += [f"visit {v}: {problem}" for v, problem in visit_id_problems(result.visits, no_teams)]
    return out
