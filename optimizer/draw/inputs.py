"""Prepared inputs for the optimiser stages, built from a scenario and the rules' results."""

from __future__ import annotations

import polars as pl

from optimizer.draw.coordinated import DrawInput
from rules import RuleResults
from scenarios.model import Scenario

__all__ = ["draw_input", "task_counts"]


def task_counts(scenario: Scenario) -> dict[str, int]:
    """The tasks the plan gives as a fixed number of subjects."""
    return {t.id: t.count for t in scenario.tasks if t.count is not None}


def draw_input(scenario: Scenario, results: RuleResults, rounds: pl.DataFrame) -> DrawInput:
    """Eligible pairs, caps and rounds as the draw reads them (rounds: task_id, round)."""
    pairs = results.pairs.filter(pl.col("eligible")).select(
        "subject_id", "task_id", "inclusion_prob", "stratum", "mandatory", "rules"
    )
    return DrawInput(
        pairs=pairs,
        caps=results.subjects.select("subject_id", "annual_cap"),
        rounds=rounds.select("task_id", pl.col("round").cast(pl.Int32)),
        task_counts=task_counts(scenario),
    )
