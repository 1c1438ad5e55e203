"""What a calendar asks of each department: expected officer-visits per ISO week against weekly capacity.

Under the coordinated draw a subject profile g is visited in round r with probability max_{t∈r} π_gt; a
department d goes on that visit when one of the round's tasks it serves is drawn, so its expected
subjects in round r are Σ_g w_g max_{t∈r, d∈t} π_gt, each needing the largest
``min_officers_per_department`` of those tasks. Bundling may date a round's visits on any working day
the profile's tasks in that round share; this spreads each profile's expected load evenly over the ISO
weeks of that span ([latest start, earliest end] of its tasks' aligned windows in the round). Summed over rounds per (department, week) and set against the
department's weekly capacity, it shows where the calendar gathers more work than the officers can do —
before bundling has to leave pairs unplaced. A diagnostic of the chosen calendar (the alignment does not
yet trade visits against it; see README, Results).
"""

from __future__ import annotations

import polars as pl

__all__ = ["calendar_load", "overload_summary"]


def calendar_load(profiles: pl.DataFrame, rounds: pl.DataFrame, task_departments: pl.DataFrame,
                  capacity: pl.DataFrame) -> pl.DataFrame:
    """Columns department, week (ISO Monday), expected (officer-visits), capacity, over.

    ``profiles``: profile, weight, task_id, pi (:func:`optimizer.calendar.subject_profiles`);
    ``rounds``: task_id, round, start, end (aligned windows); ``task_departments``: task_id, department,
    officers (one row per department of a task); ``capacity``: department, weekly_capacity.
    """
    # each profile's visit in a round may fall on any day its tasks there share: spread it over those weeks
    per = profiles.join(rounds.select("task_id", "round", "start", "end"), on="task_id")
    visit = per.group_by("profile", "round").agg(pl.col("start").max().alias("first"), pl.col("end").min().alias("last"))
    need = per.join(task_departments, on="task_id").group_by("profile", "round", "department").agg(
        pl.col("weight").first(), pl.col("pi").max(), pl.col("officers").max()
    ).with_columns((pl.col("weight") * pl.col("pi") * pl.col("officers")).alias("expected"))
    need = need.join(visit, on=["profile", "round"]).with_columns(
        pl.min_horizontal("first", "last").alias("first")
    ).group_by("department", "first", "last").agg(pl.col("expected").sum())
    need = need.with_columns(
        pl.date_ranges(pl.col("first").dt.truncate("1w"), pl.col("last").dt.truncate("1w"), "1w").alias("week")
    ).with_columns((pl.col("expected") / pl.col("week").list.len()).alias("expected")).explode("week")
    load = need.sort("department", "week", "first", "last").group_by("department", "week", maintain_order=True).agg(
        pl.col("expected").sum())
    load = load.join(capacity.select("department", pl.col("weekly_capacity").alias("capacity")), on="department", how="left")
    return load.with_columns(pl.col("capacity").fill_null(0)).with_columns(
        (pl.col("expected") - pl.col("capacity")).clip(lower_bound=0).alias("over")
    ).sort("department", "week")


def overload_summary(load: pl.DataFrame, top: int = 5) -> dict:
    """Department-weeks whose expected officer-visits exceed capacity: how many, by how much, the worst."""
    over = load.filter(pl.col("over") > 1e-9).sort("over", "department", "week", descending=[True, False, False])
    iso = over.with_columns(pl.col("week").dt.strftime("%G-W%V").alias("label"))
    return {
        "department_weeks_over_capacity": over.height,
        "expected_officer_visits_over_capacity": round(float(over["over"].sum()), 2),
        "worst": [f"{d} {w}: {e:.1f} expected officer-visits, capacity {c}"
                  for d, w, e, c in iso.head(top).select("department", "label", "expected", "capacity").rows()],
    }
