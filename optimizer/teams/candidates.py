"""Prepared frames for officer matching, the eligible (visit, officer) pairs, and the needs no capacity can meet.

Everything here is whole-column polars work (joins, explodes, group-bys); no Python loop over visits.
The matching itself never lists every eligible pair (visits × officers grows quadratically with a
district): the seeded orders of :mod:`optimizer.teams.order` are generated lazily, and the counts that
decide a structural shortfall come from per-(department, grid) tallies of the officer directory.
``eligible_pairs`` exists for the uniformity audit on small instances.
"""

from __future__ import annotations

import polars as pl

__all__ = ["prepare_visits", "prepare_officers", "prepare_slots", "eligible_pairs", "structural_shortfalls",
           "week_label"]

VISIT_COLUMNS = ["visit_id", "subject_id", "date", "week", "subject_grid", "departments"]
NEED_COLUMNS = ["visit_id", "department", "min_officers", "qualifications"]
OFFICER_COLUMNS = ["officer_id", "department", "qualifications", "grid", "weekly_capacity"]


def week_label(iso_year: int, week: int) -> str:
    return f"{iso_year}-W{week:02d}"


def _require(frame: pl.DataFrame, columns: list[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{name}: required column(s) missing: {', '.join(missing)}; has: {', '.join(frame.columns)}")


def prepare_visits(visits: pl.DataFrame) -> pl.DataFrame:
    """Visits with ``subject_grid`` null → "" and the capacity week key ``wk`` = (ISO year of date, week)."""
    _require(visits, VISIT_COLUMNS, "visits")
    if visits["visit_id"].is_duplicated().any():
        raise ValueError(f"visits: duplicate visit_id {visits.filter(pl.col('visit_id').is_duplicated())['visit_id'][0]!r}")
    out = visits.select(
        pl.col("visit_id").cast(pl.String), pl.col("subject_id").cast(pl.String), pl.col("date"),
        pl.col("week").cast(pl.Int32), pl.col("subject_grid").cast(pl.String).fill_null(""),
        pl.col("departments"),
    ).with_columns(
        (pl.col("date").dt.iso_year().cast(pl.Int32) * 100 + pl.col("week")).alias("wk"),
    )
    return out.sort("date", "subject_id", "visit_id").with_row_index("order")  # ids carry no order (issue 14)


def prepare_officers(officers: pl.DataFrame) -> pl.DataFrame:
    _require(officers, OFFICER_COLUMNS, "officers")
    if officers["officer_id"].is_duplicated().any():
        raise ValueError("officers: duplicate officer_id")
    return officers.select(
        pl.col("officer_id").cast(pl.String), pl.col("department").cast(pl.String),
        pl.col("qualifications").fill_null([]).list.unique().list.sort().alias("officer_quals"),
        pl.col("grid").cast(pl.String).fill_null(""), pl.col("weekly_capacity").cast(pl.Int32).fill_null(0),
    ).sort("officer_id")


def prepare_slots(visits: pl.DataFrame, needs: pl.DataFrame) -> pl.DataFrame:
    """One row per (visit, department): ``min_officers`` and the sorted required ``qualifications``.

    A department listed on the visit without a need row gets min 0 and no qualification (its officers
    may still fill the per-visit minimum). Several need rows for one pair merge (max, union).
    """
    _require(needs, NEED_COLUMNS, "needs")
    listed = visits.select("visit_id", pl.col("departments").alias("department")).explode("department").drop_nulls()
    listed = listed.with_columns(pl.lit(0, pl.Int32).alias("min_officers"), pl.lit([], pl.List(pl.String)).alias("qualifications"))
    given = needs.select(
        pl.col("visit_id").cast(pl.String), pl.col("department").cast(pl.String),
        pl.col("min_officers").cast(pl.Int32).fill_null(0), pl.col("qualifications").fill_null([]).cast(pl.List(pl.String)),
    )
    unknown = given.join(visits.select("visit_id"), on="visit_id", how="anti")
    if unknown.height:
        raise ValueError(f"needs: visit_id {unknown['visit_id'][0]!r} is not in visits")
    both = pl.concat([listed, given])
    return both.group_by("visit_id", "department").agg(
        pl.col("min_officers").max(),
        pl.col("qualifications").list.explode(keep_nulls=False, empty_as_null=False).drop_nulls().unique().sort().alias("qualifications"),
    ).sort("visit_id", "department")


def eligible_pairs(visits: pl.DataFrame, slots: pl.DataFrame, officers: pl.DataFrame,
                   exclude_own_grid: bool) -> pl.DataFrame:
    """Every (visit, officer) pair the hard rules allow before capacity: visits × officers rows, so only
    for small instances (the uniformity audit); the matching never builds it."""
    pairs = slots.select("visit_id", "department").join(
        visits.select("visit_id", "order", "subject_id", "subject_grid", "wk"), on="visit_id"
    ).join(officers, on="department")
    if exclude_own_grid:
        pairs = pairs.filter((pl.col("subject_grid") == "") | (pl.col("grid") != pl.col("subject_grid")))
    return pairs.sort("order", "department", "officer_id")


def structural_shortfalls(visits: pl.DataFrame, slots: pl.DataFrame, officers: pl.DataFrame,
                          min_per_visit: int, exclude_own_grid: bool) -> pl.DataFrame:
    """Needs that no plan can meet whatever the capacity: columns visit_id, department, kind, qualification, reason.

    ``kind`` is "count" (too few eligible officers), "qual" (nobody eligible holds it) or "team" (the
    visit's departments together have fewer than ``min_per_visit`` eligible officers; department "*").
    Eligible officers of a department on a visit = the department's officers minus, when the own grid is
    excluded and the subject has one, those of the subject's grid: tallies, linear in visits + officers.
    """
    where = pl.when(pl.lit(exclude_own_grid) & (pl.col("subject_grid") != "")).then(
        pl.concat_str(pl.lit(" outside grid "), "subject_grid")).otherwise(pl.lit(""))
    excluded = pl.lit(exclude_own_grid) & (pl.col("subject_grid") != "")
    in_dept = officers.group_by("department").agg(pl.len().cast(pl.Int32).alias("all"))
    in_grid = officers.group_by("department", pl.col("grid").alias("subject_grid")).agg(pl.len().cast(pl.Int32).alias("own"))
    base = slots.join(visits.select("visit_id", "subject_grid"), on="visit_id").join(
        in_dept, on="department", how="left").join(in_grid, on=["department", "subject_grid"], how="left")
    base = base.with_columns(
        (pl.col("all").fill_null(0) - pl.when(excluded).then(pl.col("own").fill_null(0)).otherwise(0)).alias("n"),
        where.alias("where"))
    count = base.filter(pl.col("n") < pl.col("min_officers")).select(
        "visit_id", "department", pl.lit("count").alias("kind"), pl.lit(None, pl.String).alias("qualification"),
        pl.format("department {} has only {} officers{} (needs {})", "department", "n", "where", "min_officers").alias("reason"),
    )
    wanted = base.select("visit_id", "department", "subject_grid", "where",
                         pl.col("qualifications").alias("qualification")).explode("qualification").drop_nulls("qualification")
    holders = officers.select("department", "grid", pl.col("officer_quals").alias("qualification")).explode("qualification").drop_nulls()
    q_dept = holders.group_by("department", "qualification").agg(pl.len().cast(pl.Int32).alias("all"))
    q_grid = holders.group_by("department", "qualification", pl.col("grid").alias("subject_grid")).agg(
        pl.len().cast(pl.Int32).alias("own"))
    wanted = wanted.join(q_dept, on=["department", "qualification"], how="left").join(
        q_grid, on=["department", "qualification", "subject_grid"], how="left")
    qual = wanted.filter(
        pl.col("all").fill_null(0) - pl.when(excluded).then(pl.col("own").fill_null(0)).otherwise(0) == 0).select(
        "visit_id", "department", pl.lit("qual").alias("kind"), "qualification",
        pl.format("department {} has only 0 officers{} holding {}", "department", "where", "qualification").alias("reason"),
    )
    team = base.group_by("visit_id", "where").agg(
        pl.col("n").sum().alias("n"), pl.col("department").sort().str.join(", ").alias("depts")
    ).filter(pl.col("n") < min_per_visit).select(
        "visit_id", pl.lit("*").alias("department"), pl.lit("team").alias("kind"), pl.lit(None, pl.String).alias("qualification"),
        pl.format("departments {} have only {} officers{} in all (needs {} per visit)", "depts", "n", "where",
                  pl.lit(min_per_visit)).alias("reason"),
    )
    return pl.concat([count, qual, team]).sort("visit_id", "department", "kind", "qualification", nulls_last=True)
