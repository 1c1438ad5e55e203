"""What the plan is compared with: today's ways of visiting the same drawn work.

* single-department subject-visits (单部门户次, as 长宁 reported 2518): every department of every task
  draws and visits on its own — Σ_t |departments of t| × drawn_t;
* today's joint practice: each task draws on its own (independent numbers), one visit per subject per
  task, merged only where the same subject's tasks have overlapping windows as planned: per subject, the
  fewest dates that stab all its tasks' windows (greedy interval stabbing).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from optimizer.calendar import stab_rounds
from optimizer.draw import DrawMode, draw_input, draw_subjects
from optimizer.progress import step, within
from rules import RuleResults
from scenarios.model import Scenario

__all__ = ["single_department_visits", "stabbing_visits", "independent_joint_visits"]


def single_department_visits(selected: pl.DataFrame, departments: pl.DataFrame) -> int:
    """Σ over drawn (subject, task) of the task's number of departments (departments: task_id, departments)."""
    joined = selected.join(departments.select("task_id", pl.col("departments").list.len().alias("k")), on="task_id")
    return int(joined["k"].sum())


def stabbing_visits(pairs: pl.DataFrame) -> int:
    """Fewest visits if each subject's tasks can share a visit only where their windows overlap.

    ``pairs``: subject_id, start, end (one row per drawn task). Greedy stabbing is optimal per subject.
    """
    counts = pairs.group_by("subject_id").len()
    total = int(counts.filter(pl.col("len") == 1).height)
    several = pairs.join(counts.filter(pl.col("len") > 1).select("subject_id"), on="subject_id")
    groups = int(counts.filter(pl.col("len") > 1).height)
    for k, (_, group) in enumerate(several.sort("subject_id", "end", "start").group_by("subject_id", maintain_order=True)):
        if k % 4096 == 0:
            step(k, groups)  # progress (optimizer.progress), every 4,096 subjects
        stab: dt.date | None = None
        for start, end in group.select("start", "end").iter_rows():
            if stab is None or start > stab:
                stab = end
                total += 1
    return total


def independent_joint_visits(scenario: Scenario, results: RuleResults, seed: str) -> tuple[int, int]:
    """(visits, subjects drawn) of today's practice: independent draws on the windows as planned."""
    rounds = stab_rounds(scenario.tasks)
    with within(0, 2):
        draw = draw_subjects(draw_input(scenario, results, rounds), seed, DrawMode.independent)
    windows = pl.DataFrame(
        {"task_id": [t.id for t in scenario.tasks], "start": [t.window.start for t in scenario.tasks],
         "end": [t.window.end for t in scenario.tasks]}
    )
    chosen = draw.draws.filter("selected").select("subject_id", "task_id").join(windows, on="task_id")
    with within(1, 2):
        return stabbing_visits(chosen), chosen.height
