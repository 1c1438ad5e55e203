"""Headline figures of a scenario, as ``jointcheck validate`` prints them.

Plan figures here use the tasks' declared sizes only (a ``count``, or round(ratio × N) for a ratio,
N = subjects of the task's object type), before any policy multiplier: they describe the input, not a
plan. The single-department figure is what 长宁 reported as 户次 before joint inspection: every
department of every task drawing and visiting on its own.
"""

from __future__ import annotations

import polars as pl

from scenarios.model import Scenario

__all__ = ["scenario_figures", "task_sizes"]


def task_sizes(scenario: Scenario) -> pl.DataFrame:
    """Per task: object type, eligible subjects N, declared size n and departments."""
    sizes = (
        scenario.subjects.select(pl.col("object_types").explode().alias("object_type"))
        .group_by("object_type")
        .agg(pl.len().alias("eligible"))
    )
    tasks = pl.DataFrame(
        {
            "task_id": [t.id for t in scenario.tasks],
            "object_type": [t.object_type for t in scenario.tasks],
            "count": [t.count for t in scenario.tasks],
            "ratio": [t.ratio for t in scenario.tasks],
            "departments": [len(t.departments) for t in scenario.tasks],
        },
        schema_overrides={"count": pl.Int64, "ratio": pl.Float64},
    )
    by_class = {t.id: t.ratio_by_class for t in scenario.tasks if t.ratio_by_class}
    class_sizes = (
        scenario.subjects.select(pl.col("object_types").alias("object_type"), "risk_class")
        .explode("object_type").group_by("object_type", "risk_class").len()
    )
    out = tasks.join(sizes, on="object_type", how="left").with_columns(pl.col("eligible").fill_null(0))
    declared = pl.coalesce(
        pl.col("count").clip(upper_bound=pl.col("eligible")),
        (pl.col("ratio") * pl.col("eligible")).round().cast(pl.Int64),
    )
    out = out.with_columns(declared.alias("size"))
    for task_id, ratios in by_class.items():
        task = next(t for t in scenario.tasks if t.id == task_id)
        counts = class_sizes.filter(pl.col("object_type") == task.object_type)
        size = sum(round(ratios.get(c, 0.0) * n) for _, c, n in counts.iter_rows())
        out = out.with_columns(pl.when(pl.col("task_id") == task_id).then(size).otherwise(pl.col("size")).alias("size"))
    return out.with_columns(pl.col("size").fill_null(0).cast(pl.Int64))


def scenario_figures(scenario: Scenario) -> dict[str, object]:
    """Counts a planner checks first: directory make-up, plan size and the single-department baseline."""
    s = scenario.subjects
    o = scenario.officers
    items = scenario.spec.items
    sizes = task_sizes(scenario)
    per_class = dict(s.group_by("risk_class").len().sort("risk_class").iter_rows())
    eligible = (
        s.select("subject_id", pl.col("object_types").alias("object_type")).explode("object_type")
        .join(sizes.select("object_type", (pl.col("size") / pl.col("eligible")).alias("pi")), on="object_type")
    )
    return {
        "subjects": s.height,
        "subjects_by_risk_class": {str(k): v for k, v in per_class.items()},
        "subjects_penalized_3y": int(s["penalized_3y"].sum()),
        "subjects_with_verified_complaints": int((s["complaints_verified"] > 0).sum()),
        "subjects_of_several_types": int((s["object_types"].list.len() > 1).sum()),
        "object_types": len(scenario.object_type_ids()),
        "officers": o.height,
        "officer_weekly_capacity": int(o["weekly_capacity"].sum()),
        "departments": len(scenario.spec.departments),
        "items": len(items),
        "items_key": sum(1 for i in items if i.kind == "key"),
        "items_general": sum(1 for i in items if i.kind == "general"),
        "tasks": len(scenario.tasks),
        "task_object_types": sizes["object_type"].n_unique(),
        "subjects_drawn_declared": int(sizes["size"].sum()),
        "single_department_subject_visits": int((sizes["size"] * sizes["departments"]).sum()),
        "expected_subjects_all_coordinated": round(
            float(eligible.group_by("subject_id").agg(pl.col("pi").max())["pi"].sum()), 1
        ),
    }
