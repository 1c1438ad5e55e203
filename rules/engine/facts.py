"""Facts of a scenario, per scope (see :mod:`rules.engine.vocabulary` for their meaning).

Subjects are never sent to the rule engine one by one: :func:`eligible_pairs` gives every eligible
(subject, task) pair with the subject facts, and the caller groups them into distinct *profiles*
(risk class × penalised × bucketed complaints × task) — a few hundred, whatever the directory size.
Counts of complaints are clipped at one above the largest threshold any condition compares them
with, which keeps every comparison's truth (:func:`complaints_cap`).
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from rules.engine.conditions import thresholds
from rules.law.policy import InForce
from scenarios.model import Scenario, Task

__all__ = [
    "SUBJECT_KEYS",
    "complaints_cap",
    "eligible_pairs",
    "subject_profiles",
    "task_records",
    "item_records",
    "plan_record",
]

SUBJECT_KEYS = ["risk_class", "penalized_3y", "complaints_verified"]
"""The subject facts that make a profile (complaints_verified bucketed)."""


def complaints_cap(law: InForce) -> int:
    """Clip verified complaints at this value: one above the largest threshold used on that fact."""
    found: set[float] = set()
    for r in [*law.scope("pair"), *law.scope("subject")]:
        found |= thresholds(r.cond, "complaints_verified")
    return math.floor(max(found)) + 1 if found else 0


def _subject_facts(cap: int) -> list[pl.Expr]:
    return [
        pl.col("risk_class").cast(pl.String).alias("risk_class"),
        pl.col("penalized_3y").cast(pl.Boolean).alias("penalized_3y"),
        pl.col("complaints_verified").cast(pl.Int64).clip(0, cap).alias("complaints_verified"),
    ]


def eligible_pairs(scenario: Scenario, cap: int) -> pl.DataFrame:
    """One row per eligible (subject, task): the subject lists the task's object type.

    Columns: subject_id, task_id, risk_class, penalized_3y, complaints_verified (clipped at ``cap``).
    """
    tasks = pl.DataFrame(
        {"task_id": [t.id for t in scenario.tasks], "object_type": [t.object_type for t in scenario.tasks]},
        schema={"task_id": pl.String, "object_type": pl.String},
    )
    subjects = scenario.subjects.select(
        "subject_id", pl.col("object_types").alias("object_type"), *_subject_facts(cap)
    ).explode("object_type")
    return (
        subjects.join(tasks, on="object_type", how="inner")
        .unique(["subject_id", "task_id"], keep="first", maintain_order=True)
        .select("subject_id", "task_id", *SUBJECT_KEYS)
    )


def subject_profiles(scenario: Scenario, cap: int) -> pl.DataFrame:
    """subject_id with its profile facts (complaints clipped at ``cap``)."""
    return scenario.subjects.select("subject_id", *_subject_facts(cap))


def _eligible_sizes(scenario: Scenario) -> tuple[dict[str, int], dict[tuple[str, str], int]]:
    exploded = scenario.subjects.select(
        pl.col("object_types").list.unique().alias("object_type"), pl.col("risk_class").cast(pl.String)
    ).explode("object_type")
    by_type = dict(exploded.group_by("object_type").len().iter_rows())
    by_class = {(o, c): n for o, c, n in exploded.group_by("object_type", "risk_class").len().iter_rows()}
    return by_type, by_class


def _base_ratio(task: Task, n: int, by_class: dict[tuple[str, str], int]) -> float:
    if task.ratio is not None:
        return float(task.ratio)
    if n == 0:
        return 0.0
    if task.count is not None:
        return round(task.count / n, 12)
    weighted = sum(by_class.get((task.object_type, str(c)), 0) * r for c, r in (task.ratio_by_class or {}).items())
    return round(weighted / n, 12)


def task_records(scenario: Scenario) -> list[dict[str, Any]]:
    """One fact record per task (TASK_FACTS), in plan order."""
    items = scenario.items
    by_type, by_class = _eligible_sizes(scenario)
    out = []
    for t in scenario.tasks:
        listed = [items[i] for i in t.items if i in items]
        n = by_type.get(t.object_type, 0)
        general = [i.id for i in listed if i.kind == "general"]
        key = [i.id for i in listed if i.kind == "key"]
        mode = "ratio" if t.ratio is not None else "count" if t.count is not None else "ratio_by_class"
        out.append({
            "task_id": t.id,
            "object_type": t.object_type,
            "lead": t.lead,
            "departments": t.departments,
            "n_departments": len(t.departments),
            "joint": len(t.departments) >= 2,
            "items": list(t.items),
            "key_items": key,
            "general_items": general,
            "unlisted_items": [i for i in t.items if i not in items],
            "n_unlisted_items": sum(1 for i in t.items if i not in items),
            "all_general": bool(listed) and not key,
            "has_general_item": bool(general),
            "has_key_item": bool(key),
            "has_qualified_item": any(i.qualification for i in listed),
            "ratio_mode": mode,
            "base_ratio": _base_ratio(t, n, by_class),
            "n_eligible": n,
            "window_start_month": t.window.start.month,
            "window_end_month": t.window.end.month,
        })
    return out


def item_records(scenario: Scenario) -> list[dict[str, Any]]:
    """One fact record per listed item (ITEM_FACTS)."""
    uses: dict[str, int] = {}
    for t in scenario.tasks:
        for i in set(t.items):
            uses[i] = uses.get(i, 0) + 1
    return [
        {"item_id": i.id, "kind": str(i.kind), "department": i.department,
         "qualification": i.qualification or "", "n_tasks": uses.get(i.id, 0)}
        for i in scenario.spec.items
    ]


def plan_record(scenario: Scenario, pairs: pl.DataFrame, tasks: list[dict[str, Any]], items: list[dict[str, Any]]) -> dict[str, Any]:
    """The plan's facts (PLAN_FACTS); ``pairs`` carries subject_id, task_id and inclusion_prob."""
    n_subjects = scenario.subjects.height
    most = pairs.group_by("subject_id").agg(pl.col("inclusion_prob").max())["inclusion_prob"].sum() if pairs.height else 0.0
    joint = {t["task_id"] for t in tasks if t["joint"]}
    per_task = dict(pairs.group_by("task_id").agg(pl.col("inclusion_prob").sum()).iter_rows()) if pairs.height else {}
    total = sum(per_task.values())
    return {
        "year": scenario.year,
        "n_subjects": n_subjects,
        "n_tasks": len(tasks),
        "n_joint_tasks": len(joint),
        "n_items": len(items),
        "item_coverage": (sum(1 for i in items if i["n_tasks"] > 0) / len(items)) if items else 1.0,
        "expected_sampled_share": float(most) / n_subjects if n_subjects else 0.0,
        "joint_share": (sum(v for k, v in per_task.items() if k in joint) / total) if total else 0.0,
    }
