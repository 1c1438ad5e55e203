"""Solver-independent checks of a team plan, and the reasons a need went unmet.

``hard_violations`` asserts the rules that every plan must keep (nothing may break them, whatever the
data): eligible department, not the subject's own grid when excluded, an officer at most once per visit,
weekly capacity. ``unmet_needs`` lists the covering rules a plan leaves unmet (too few officers of a
department, a qualification nobody on the team holds, a team below the per-visit minimum); those are
reported, with ``explain`` giving each a reason.
"""

from __future__ import annotations

import polars as pl

from optimizer.hard_rules import (
    duplicate_assignments,
    missing_qualifications,
    officer_over_capacity,
    own_grid,
    short_departments,
    small_teams,
    unknown_officers,
    wrong_department,
)
from optimizer.teams.candidates import week_label

__all__ = ["hard_violations", "unmet_needs", "explain"]


def hard_violations(visits: pl.DataFrame, slots: pl.DataFrame, officers: pl.DataFrame,
                    assignments: pl.DataFrame, exclude_own_grid: bool) -> list[str]:
    """Broken hard rules, one message each (empty for a lawful plan). Inputs as prepared by teams_candidates."""
    out: list[str] = []
    unknown_visit = assignments.join(visits.select("visit_id"), on="visit_id", how="anti").select("visit_id", "officer_id")
    for v, o in pl.concat([unknown_visit, unknown_officers(assignments, officers)]).unique(maintain_order=True).rows():
        out.append(f"unknown visit or officer: {v} / {o}")
    for v, o, d, _ in wrong_department(assignments, officers).rows():
        out.append(f"visit {v}: officer {o} is not of department {d}")
    listed = assignments.join(slots.select("visit_id", "department"), on=["visit_id", "department"], how="anti")
    for v, d in listed.select("visit_id", "department").rows():
        out.append(f"visit {v}: department {d} is not on the visit")
    team = assignments.join(officers.select("officer_id", pl.col("grid").alias("officer_grid"), "weekly_capacity"),
                            on="officer_id").join(visits.select("visit_id", "subject_grid", pl.col("wk").alias("week")), on="visit_id")
    for v, o, g in own_grid(team.with_columns(pl.lit(exclude_own_grid).alias("exclude_own_grid"))).select(
            "visit_id", "officer_id", "officer_grid").rows():
        out.append(f"visit {v}: officer {o} is from the subject's grid {g}")
    for v, o, _ in duplicate_assignments(assignments).rows():
        out.append(f"visit {v}: officer {o} assigned twice")
    for o, wk, cap, n in officer_over_capacity(team).rows():
        out.append(f"officer {o}: {n} visits in week {week_label(wk // 100, wk % 100)} over capacity {cap}")
    return out


def unmet_needs(visits: pl.DataFrame, slots: pl.DataFrame, officers: pl.DataFrame, assignments: pl.DataFrame,
                min_per_visit: int) -> pl.DataFrame:
    """Needs the plan leaves unmet: visit_id, department ("*" for the whole team), kind, qualification ("" if none)."""
    a = assignments.join(officers.select("officer_id", "officer_quals"), on="officer_id")
    count = short_departments(slots.select("visit_id", "department", "min_officers"), a).select(
        "visit_id", "department", pl.lit("count").alias("kind"), pl.lit("").alias("qualification"))
    wanted = slots.select("visit_id", "department", pl.col("qualifications").alias("qualification")).explode("qualification").drop_nulls()
    held = a.select("visit_id", "department", pl.col("officer_quals").alias("qualification")).explode("qualification").drop_nulls()
    qual = missing_qualifications(wanted, held).select(
        "visit_id", "department", pl.lit("qual").alias("kind"), "qualification")
    need = visits.select("visit_id", pl.lit(min_per_visit, pl.Int64).alias("min_officers_per_visit"))
    team = small_teams(need, a).select(
        "visit_id", pl.lit("*").alias("department"), pl.lit("team").alias("kind"), pl.lit("").alias("qualification"))
    return pl.concat([count, qual, team]).sort("visit_id", "department", "kind", "qualification")


def explain(unmet: pl.DataFrame, structural: pl.DataFrame, visits: pl.DataFrame, slots: pl.DataFrame,
            officers: pl.DataFrame, min_per_visit: int) -> pl.DataFrame:
    """Give each unmet need its reason: the structural one (no plan can meet it) or the week's capacity."""
    keys = ["visit_id", "department", "kind", "qualification"]
    fixed = structural.with_columns(pl.col("qualification").fill_null(""))
    out = unmet.join(fixed.select(*keys, "reason"), on=keys, how="left").join(
        visits.select("visit_id", "wk", "departments"), on="visit_id")
    out = out.with_columns(
        pl.concat_str((pl.col("wk") // 100).cast(pl.String), pl.lit("-W"),
                      (pl.col("wk") % 100).cast(pl.String).str.zfill(2)).alias("week"))
    # Department demand and supply in the week: Σ min_officers against Σ weekly_capacity.
    demand = slots.join(visits.select("visit_id", "wk"), on="visit_id").group_by("department", "wk").agg(
        pl.col("min_officers").sum().alias("need_d"))
    supply = officers.group_by("department").agg(pl.col("weekly_capacity").sum().alias("has_d"))
    qdemand = slots.join(visits.select("visit_id", "wk"), on="visit_id").explode("qualifications").drop_nulls(
        "qualifications").group_by("department", "wk", pl.col("qualifications").alias("qualification")).agg(pl.len().alias("need_q"))
    qsupply = officers.explode("officer_quals").drop_nulls("officer_quals").group_by(
        "department", pl.col("officer_quals").alias("qualification")).agg(pl.col("weekly_capacity").sum().alias("has_q"))
    out = out.join(demand, on=["department", "wk"], how="left").join(supply, on="department", how="left").join(
        qdemand, on=["department", "wk", "qualification"], how="left").join(qsupply, on=["department", "qualification"], how="left")
    out = out.with_columns(pl.col("need_d", "has_d", "need_q", "has_q").fill_null(0))
    dept_cap = pl.format("department {} capacity in week {} exhausted (needs {}, has {})", "department", "week", "need_d", "has_d")
    qual_cap = pl.format("holders of {} in department {}: capacity in week {} exhausted (needs {}, has {})",
                         "qualification", "department", "week", "need_q", "has_q")
    left = pl.format("department {}: no eligible officer with capacity left in week {} (department needs {}, has {})",
                     "department", "week", "need_d", "has_d")
    team = pl.format("team below {} per visit: capacity of departments {} in week {} exhausted",
                     pl.lit(min_per_visit), pl.col("departments").list.sort().list.join(", "), "week")
    reason = (pl.when(pl.col("reason").is_not_null()).then("reason")
              .when(pl.col("kind") == "team").then(team)
              .when((pl.col("kind") == "qual") & (pl.col("need_q") > pl.col("has_q"))).then(qual_cap)
              .when(pl.col("need_d") > pl.col("has_d")).then(dept_cap)
              .otherwise(left))
    return out.select(*keys, "week", reason.alias("reason")).sort(keys)
