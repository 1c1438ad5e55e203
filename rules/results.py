"""The engine's output: polars tables the optimiser and the draw consume, with declared schemas.

* ``pairs``    one row per **eligible** (subject, task) — the subject lists the task's object type;
               ineligible pairs are absent. inclusion_prob is π (see :mod:`rules.probability`), equal
               for every subject of a (task_id, stratum).
* ``subjects`` one row per subject: annual_cap (null = no cap) and the subject rules that applied.
* ``tasks``    one row per task: base ratio, team rules and the task rules that applied.
* ``strata``   one row per (task, stratum): subjects, π, expected draws n·π.
* ``findings`` errors and warnings, each with the rule id and its source (and the task, item or
               stratum concerned, where there is one).
* ``settings`` plan-level values set by plan rules (e.g. publication deadlines), with their rule.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import polars as pl

from rules.effects import Finding
from rules.law.policy import InForce

__all__ = ["RuleResults", "PAIRS", "SUBJECTS", "TASKS", "STRATA", "FINDINGS", "SETTINGS", "findings_frame"]

PAIRS = {
    "subject_id": pl.String, "task_id": pl.String, "eligible": pl.Boolean, "inclusion_prob": pl.Float64,
    "stratum": pl.String, "targeted": pl.Boolean, "mandatory": pl.Boolean, "rules": pl.List(pl.String),
}
SUBJECTS = {"subject_id": pl.String, "annual_cap": pl.Int32, "rules": pl.List(pl.String)}
TASKS = {
    "task_id": pl.String, "ratio_mode": pl.String, "base_ratio": pl.Float64, "scale": pl.Float64,
    "n_eligible": pl.Int64, "expected_sample": pl.Float64,
    "required_departments": pl.List(pl.String), "paired_departments": pl.List(pl.String),
    "min_officers_per_department": pl.Int32, "min_officers_per_visit": pl.Int32,
    "exclude_own_grid": pl.Boolean, "required_qualifications": pl.List(pl.String), "one_visit": pl.Boolean,
    "rules": pl.List(pl.String),
}
STRATA = {
    "task_id": pl.String, "stratum": pl.String, "risk_class": pl.String, "targeted": pl.Boolean,
    "mandatory": pl.Boolean, "n": pl.Int64, "inclusion_prob": pl.Float64, "expected": pl.Float64,
}
FINDINGS = {
    "severity": pl.String, "rule_id": pl.String, "source": pl.String, "task_id": pl.String,
    "item_id": pl.String, "stratum": pl.String, "message": pl.String, "message_zh": pl.String,
}
SETTINGS = {"name": pl.String, "value": pl.String, "unit": pl.String, "rule_id": pl.String, "source": pl.String}


def findings_frame(findings: list[Finding]) -> pl.DataFrame:
    """Findings as a frame, errors first, in the order found."""
    rows = [(f.severity, f.rule_id, f.source, f.task_id, f.item_id, f.stratum, f.message, f.message_zh or f.message)
            for f in findings]
    frame = pl.DataFrame(rows, schema=FINDINGS, orient="row")
    return frame.with_row_index("__i").sort(pl.col("severity") != "error", "__i").drop("__i")


@dataclass(frozen=True)
class RuleResults:
    """Everything the rules decided about one scenario under one policy on one day."""

    law: InForce
    pairs: pl.DataFrame
    subjects: pl.DataFrame
    tasks: pl.DataFrame
    strata: pl.DataFrame
    findings: pl.DataFrame
    settings: pl.DataFrame

    @property
    def errors(self) -> pl.DataFrame:
        return self.findings.filter(pl.col("severity") == "error")

    @property
    def warnings(self) -> pl.DataFrame:
        return self.findings.filter(pl.col("severity") == "warning")

    def setting(self, name: str) -> Any:
        """A plan setting's value (decoded), or None when no rule sets it."""
        row = self.settings.filter(pl.col("name") == name)
        return json.loads(row["value"][0]) if row.height else None
