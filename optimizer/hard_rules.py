"""The hard rules of a plan, each stated once: a function returning the rows that break it (empty: it holds).

The stage checkers (:mod:`optimizer.bundling.check`, :mod:`optimizer.teams.check`) and the plan checker
(:mod:`optimizer.check`) all call these, on their own frames, and word the violations for their readers. Each
function documents the columns it reads; none needs a solver. Each returns its rows sorted by their keys, whatever
the order of its inputs (often a group_by's or a join's, which vary from run to run): a violation list is the
same, line for line, every time the same plan is checked.

Sources: visits on working days inside their tasks' windows and one visit per drawn pair (沪府发〔2024〕6号
二(一), 二(四): 进一次门、查多项事); annual caps (龙湾 notice 二; 长宁 "at most twice a year"); at least two
officers per department (行政处罚法 art. 42); qualifications (沪府发〔2024〕6号 一(三)); no officer of the
subject's own grid (浙江 "所所交叉"); an officer's weekly capacity (the district's officer directory).
"""

from __future__ import annotations

import polars as pl

from optimizer.calendar import is_working_day

__all__ = [
    "outside_windows", "not_working_days", "over_annual_cap", "pair_coverage", "unknown_officers",
    "wrong_department", "duplicate_assignments", "own_grid", "officer_over_capacity", "officer_away", "short_departments",
    "missing_qualifications", "small_teams", "visit_id_problems",
]

PAIR = ["subject_id", "task_id"]


def outside_windows(visit_tasks: pl.DataFrame, windows: pl.DataFrame) -> pl.DataFrame:
    """A visit is dated inside the window of every task it serves.

    ``visit_tasks``: visit_id, date, task_id (one row per task served); ``windows``: task_id, start, end.
    Returns visit_id, date, task_id, start, end of each date outside its task's window (or a task with none).
    """
    rows = visit_tasks.select("visit_id", "date", "task_id").join(
        windows.select("task_id", "start", "end"), on="task_id", how="left")
    return rows.filter(pl.col("start").is_null() | (pl.col("date") < pl.col("start")) | (pl.col("date") > pl.col("end"))).sort(
        "visit_id", "task_id")


def not_working_days(visits: pl.DataFrame) -> pl.DataFrame:
    """A visit falls on a working day of the Chinese statutory calendar. ``visits``: visit_id, date."""
    days = visits.select("date").unique()
    off = [d for d in days["date"].to_list() if not is_working_day(d)]
    return visits.select("visit_id", "date").filter(pl.col("date").is_in(off)).sort("visit_id")


def over_annual_cap(visits: pl.DataFrame, caps: pl.DataFrame) -> pl.DataFrame:
    """No subject gets more visits in the year than its annual cap (null: no cap).

    ``visits``: subject_id (one row per visit); ``caps``: subject_id, annual_cap.
    Returns subject_id, visits, annual_cap of each subject over its cap, sorted by subject.
    """
    per = visits.group_by("subject_id").agg(pl.len().alias("visits"))
    per = per.join(caps.select("subject_id", "annual_cap"), on="subject_id")
    return per.filter(pl.col("annual_cap").is_not_null() & (pl.col("visits") > pl.col("annual_cap"))).sort("subject_id")


def pair_coverage(served: pl.DataFrame, drawn: pl.DataFrame, unplaced: pl.DataFrame) -> pl.DataFrame:
    """Every drawn (subject, task) is served by exactly one visit or listed once as unplaced; nothing else is.

    ``served``: subject_id, task_id (one row per visit and task it serves); ``drawn`` and ``unplaced``:
    subject_id, task_id. Returns subject_id, task_id, served, unplaced, drawn (bool) of each pair that breaks it.
    """
    s = served.select(PAIR).group_by(PAIR).agg(pl.len().alias("served"))
    u = unplaced.select(PAIR).group_by(PAIR).agg(pl.len().alias("unplaced"))
    d = drawn.select(PAIR).unique().with_columns(pl.lit(True).alias("drawn"))
    every = pl.concat([s.select(PAIR), u.select(PAIR), d.select(PAIR)]).unique()
    rows = every.join(s, on=PAIR, how="left").join(u, on=PAIR, how="left").join(d, on=PAIR, how="left").with_columns(
        pl.col("served", "unplaced").fill_null(0).cast(pl.Int64), pl.col("drawn").fill_null(False))
    ok = pl.col("drawn") & (pl.col("served") + pl.col("unplaced") == 1)
    return rows.filter(~ok).sort(PAIR)


def unknown_officers(assignments: pl.DataFrame, officers: pl.DataFrame) -> pl.DataFrame:
    """Every assigned officer is in the officer directory. Returns visit_id, officer_id of those who are not."""
    return assignments.select("visit_id", "officer_id").join(officers.select("officer_id"), on="officer_id", how="anti").sort(
        "visit_id", "officer_id")


def wrong_department(assignments: pl.DataFrame, officers: pl.DataFrame) -> pl.DataFrame:
    """An officer goes for their own department. ``assignments``: visit_id, officer_id, department;
    ``officers``: officer_id, department. Returns visit_id, officer_id, department, home."""
    home = officers.select("officer_id", pl.col("department").alias("home"))
    return assignments.select("visit_id", "officer_id", "department").join(home, on="officer_id").filter(
        pl.col("home") != pl.col("department")).sort("visit_id", "officer_id")


def visit_id_problems(visits: pl.DataFrame, assignments: pl.DataFrame) -> list[tuple[str, str]]:
    """Every visit has one id of its own and every assignment names a visit of the plan.

    Visit ids carry no order (issue 14: :func:`optimizer.bundling.visit_ids`), so nothing is checked about
    their order — only that none is empty or repeated and that no team goes to a visit the plan does not hold.
    Returns (visit_id, problem) pairs."""
    out = [(str(v), f"visit id used by {n} visits") for v, n in visits.group_by("visit_id").len()
           .filter(pl.col("len") > 1).sort("visit_id").iter_rows()]
    out += [(repr(v), "visit id is empty") for v in visits.filter(
        pl.col("visit_id").is_null() | (pl.col("visit_id").str.strip_chars() == ""))["visit_id"].to_list()]
    out += [(str(v), "assigned officers, but no such visit in the plan") for v in assignments.join(
        visits.select("visit_id"), on="visit_id", how="anti")["visit_id"].unique().sort().to_list()]
    return out


def duplicate_assignments(assignments: pl.DataFrame) -> pl.DataFrame:
    """An officer is on a visit at most once. Returns visit_id, officer_id, times of each repeat."""
    return assignments.group_by("visit_id", "officer_id").agg(pl.len().alias("times")).filter(
        pl.col("times") > 1).sort("visit_id", "officer_id")


def own_grid(team: pl.DataFrame) -> pl.DataFrame:
    """Where a visit excludes it, no officer comes from the subject's own grid (an empty grid never conflicts).

    ``team``: visit_id, officer_id, officer_grid, subject_grid, exclude_own_grid. Returns the offending rows.
    """
    return team.filter(pl.col("exclude_own_grid") & (pl.col("subject_grid") != "")
                       & (pl.col("officer_grid") == pl.col("subject_grid"))).sort("visit_id", "officer_id")


def officer_over_capacity(team: pl.DataFrame) -> pl.DataFrame:
    """An officer's visits in an ISO week stay within their weekly capacity.

    ``team``: officer_id, week, weekly_capacity (one row per assignment). Returns officer_id, week,
    weekly_capacity, visits of each officer-week over capacity, sorted.
    """
    load = team.group_by("officer_id", "week", "weekly_capacity").agg(pl.len().alias("visits"))
    return load.filter(pl.col("visits") > pl.col("weekly_capacity")).sort("officer_id", "week")


def short_departments(need: pl.DataFrame, assignments: pl.DataFrame) -> pl.DataFrame:
    """Each department on a visit sends at least its minimum of officers (行政处罚法 art. 42: two).

    ``need``: visit_id, department, min_officers; ``assignments``: visit_id, department (one row per officer).
    Returns visit_id, department, min_officers, officers of each department short of its minimum, sorted (the
    order of ``need`` — often a group_by's, which varies from run to run — never shows in a plan's files).
    """
    have = assignments.group_by("visit_id", "department").agg(pl.len().cast(pl.Int64).alias("officers"))
    rows = need.join(have, on=["visit_id", "department"], how="left").with_columns(pl.col("officers").fill_null(0))
    return rows.filter(pl.col("officers") < pl.col("min_officers")).sort("visit_id", "department")


def missing_qualifications(required: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """Every qualification a visit's items require is held by an officer of that department on the team.

    ``required`` and ``held``: visit_id, department, qualification. Returns the required rows nobody holds.
    """
    key = ["visit_id", "department", "qualification"]
    return required.select(key).unique().join(held.select(key).unique(), on=key, how="anti").sort(key)


def small_teams(need: pl.DataFrame, assignments: pl.DataFrame) -> pl.DataFrame:
    """A visit's whole team has at least its per-visit minimum. ``need``: visit_id, min_officers_per_visit.

    Returns visit_id, min_officers_per_visit, officers of each visit below it, sorted by visit.
    """
    size = assignments.group_by("visit_id").agg(pl.len().cast(pl.Int64).alias("officers"))
    rows = need.join(size, on="visit_id", how="left").with_columns(pl.col("officers").fill_null(0))
    return rows.filter(pl.col("officers") < pl.col("min_officers_per_visit")).sort("visit_id")


def officer_away(team: pl.DataFrame, away: pl.DataFrame) -> pl.DataFrame:
    """No visit of an officer falls on a day their availability says they are away (weekly capacity 0 from start
    to end: leave, training, secondment; scenarios.availability).

    ``team``: visit_id, officer_id, date (one row per assignment); ``away``: officer_id, start, end. Returns
    visit_id, officer_id, date, start, end of each visit on such a day, sorted.
    """
    hits = team.select("visit_id", "officer_id", "date").join(away, on="officer_id").filter(
        (pl.col("date") >= pl.col("start")) & (pl.col("date") <= pl.col("end")))
    return hits.unique(["visit_id", "officer_id"], keep="first").sort("visit_id", "officer_id").select(
        "visit_id", "officer_id", "date", "start", "end")
