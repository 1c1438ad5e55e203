"""The plan checker: re-verifies every hard rule on the written files, independent of any solver.

It is the executable specification of a plan; ``jointcheck check`` and the tests use it. Each check is a
plain function over the files and the rules' results, returning violations that name the rule, the
place and what was expected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from optimizer.draw import CELL, PI_SCALE, allocate, pi_units, task_counts
from optimizer.hard_rules import (
    duplicate_assignments,
    missing_qualifications,
    not_working_days,
    officer_over_capacity,
    outside_windows,
    over_annual_cap,
    own_grid,
    pair_coverage,
    short_departments,
    small_teams,
    unknown_officers,
    wrong_department,
)
from rules import RuleResults, evaluate, load_policy
from scenarios.model import Scenario

__all__ = ["Violation", "PlanFiles", "read_plan", "check_plan", "CHECKS"]


@dataclass(frozen=True)
class Violation:
    check: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.where}: {self.message}"


@dataclass(frozen=True)
class PlanFiles:
    root: Path
    manifest: dict[str, Any]
    draws: pl.DataFrame
    visits: pl.DataFrame
    assignments: pl.DataFrame
    unplaced: pl.DataFrame


def read_plan(root: str | Path) -> PlanFiles:
    root = Path(root)
    manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    return PlanFiles(
        root, manifest, pl.read_parquet(root / "draws.parquet"), pl.read_parquet(root / "visits.parquet"),
        pl.read_parquet(root / "assignments.parquet"), pl.read_parquet(root / "unplaced.parquet"),
    )


def _windows(plan: PlanFiles) -> pl.DataFrame:
    return pl.DataFrame(
        [(t["id"], dt.date.fromisoformat(t["window"]["start"]), dt.date.fromisoformat(t["window"]["end"]))
         for t in plan.manifest["tasks"]],
        schema={"task_id": pl.String, "start": pl.Date, "end": pl.Date}, orient="row",
    )


def check_files(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Every file is the one the manifest hashed; the plan was made from this scenario."""
    out = []
    for name, digest in plan.manifest.get("files", {}).items():
        actual = hashlib.sha256((plan.root / name).read_bytes()).hexdigest()
        if actual != digest:
            out.append(Violation("files", name, "SHA-256 differs from the manifest: the file was changed"))
    if plan.manifest["scenario"]["hash"] != scenario.content_hash:
        out.append(Violation("files", "manifest.json", "the plan was made from a different scenario (hash differs)"))
    return out


def check_windows(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Each aligned window keeps its length and stays inside its window_flex (or is unchanged)."""
    out = []
    aligned = {t: (s, e) for t, s, e in _windows(plan).iter_rows()}
    for task in scenario.tasks:
        if task.id not in aligned:
            out.append(Violation("windows", f"task {task.id}", "missing from the manifest"))
            continue
        start, end = aligned[task.id]
        if (end - start).days + 1 != task.window.days:
            out.append(Violation("windows", f"task {task.id}", f"window length changed to {(end - start).days + 1} days"))
        lo, hi = (task.window_flex.earliest, task.window_flex.latest) if task.window_flex else (task.window.start, task.window.end)
        if start < lo or end > hi:
            out.append(Violation("windows", f"task {task.id}", f"window {start}..{end} leaves {lo}..{hi}"))
    return out


def check_sample_sizes(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Every sample has a lawful size under randomised rounding (:mod:`optimizer.draw.allocation`).

    A cell (task, stratum, π) draws ⌊e⌋ or ⌈e⌉ of its expectation e = N·π (its share of a count); each risk
    class of a task and each ratio task draws ⌊Σe⌋ or ⌈Σe⌉; a count task exactly its count (every eligible
    subject when the count is larger). More mandatory (定向) subjects than that are all drawn, and pass.
    """
    draws = plan.draws.with_columns(pi_units(pl.col("inclusion_prob")).alias("pi_units"))
    cells, _ = allocate(draws.group_by(CELL).agg(pl.len().cast(pl.Int64).alias("N")), task_counts(scenario))
    got = draws.group_by(CELL).agg(
        pl.col("selected").sum().cast(pl.Int64).alias("drawn"),
        (pl.col("selected") & pl.col("mandatory")).sum().cast(pl.Int64).alias("forced"))
    cells = cells.join(got, on=CELL).with_columns(pl.col("stratum").str.split(":").list.first().alias("risk_class"))
    out = []
    overflow = (pl.col("forced") > pl.col("high")) & (pl.col("drawn") == pl.col("forced"))
    lawful = (pl.col("drawn") >= pl.col("low")) & (pl.col("drawn") <= pl.col("high")) | overflow

    def bounds(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
        # a run of one task's cells shares its denominator: Σe = Σlo + Σfrac/den, exactly
        agg = frame.group_by(by).agg(pl.col("lo").sum(), pl.col("frac").sum(), pl.col("den").first(),
                                     pl.col("drawn").sum(), pl.col("forced").sum())
        low = pl.col("lo") + pl.col("frac") // pl.col("den")
        return agg.with_columns(low.alias("low"), (low + (pl.col("frac") % pl.col("den") > 0).cast(pl.Int64)).alias("high"))

    levels = [(["task_id", "stratum", "pi_units"], "task {task_id} stratum {stratum} (π = {pi:g})"),
              (["task_id", "risk_class"], "task {task_id} class {risk_class}"), (["task_id"], "task {task_id}")]
    for by, where in levels:
        bad = bounds(cells, by).filter(~lawful).sort(by)
        for row in bad.iter_rows(named=True):
            place = where.format(pi=row.get("pi_units", 0) / PI_SCALE, **row)
            want = f"exactly {row['low']}" if row["low"] == row["high"] else f"{row['low']} or {row['high']}"
            out.append(Violation("sample", place, f"drew {row['drawn']}, lawful size {want}"))
    return out


def check_coverage(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Each drawn (subject, task) is in exactly one visit of that subject, or listed as unplaced."""
    served = plan.visits.select("subject_id", pl.col("task_ids").alias("task_id")).explode("task_id")
    bad = pair_coverage(served, plan.draws.filter("selected"), plan.unplaced)
    out = []
    for s, t, n, u, drawn in bad.select("subject_id", "task_id", "served", "unplaced", "drawn").iter_rows():
        if not drawn:
            message = "visited but not drawn" if n else "listed as unplaced but not drawn"
        elif n + u == 0:
            message = "drawn but in no visit and not listed as unplaced"
        elif n > 1:
            message = f"served by {n} visits"
        else:
            message = f"served by {n} visit(s) and listed {u} time(s) as unplaced"
        out.append(Violation("coverage", f"subject {s} task {t}", message))
    return out


def check_dates(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """A visit is on a working day inside the (aligned) window of every task it serves."""
    per_task = plan.visits.select("visit_id", "date", pl.col("task_ids").alias("task_id")).explode("task_id")
    out = [Violation("dates", f"visit {v}", f"{d} is outside task {t}'s window {s}..{e}")
           for v, d, t, s, e in outside_windows(per_task, _windows(plan)).iter_rows()]
    out += [Violation("dates", f"visit {v}", f"{day} is not a working day") for v, day in not_working_days(plan.visits).iter_rows()]
    return out


def check_caps(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """No subject gets more visits than its annual cap."""
    return [Violation("cap", f"subject {s}", f"{n} visits, cap {c}")
            for s, n, c in over_annual_cap(plan.visits, results.subjects).iter_rows()]


def check_teams(plan: PlanFiles, scenario: Scenario, results: RuleResults) -> list[Violation]:
    """Officers exist and go once per visit for their own department; team size per department and visit,
    qualifications, own grid, weekly capacity."""
    out = []
    assignments = plan.assignments
    directory = scenario.officers
    out += [Violation("teams", f"visit {v}", f"officer {o} is not in the officer directory")
            for v, o in unknown_officers(assignments, directory).iter_rows()]
    out += [Violation("teams", f"visit {v}", f"officer {o} is listed {n} times")
            for v, o, n in duplicate_assignments(assignments).iter_rows()]
    out += [Violation("teams", f"visit {v}", f"officer {o} is of {h}, assigned for {d}")
            for v, o, d, h in wrong_department(assignments, directory).iter_rows()]
    tasks = results.tasks.select("task_id", "required_departments", "min_officers_per_department",
                                 "min_officers_per_visit", "exclude_own_grid")
    per_task = plan.visits.select("visit_id", "subject_id", "date", pl.col("task_ids").alias("task_id"), "departments") \
        .explode("task_id").join(tasks, on="task_id")
    need = per_task.select("visit_id", pl.col("required_departments").alias("department"), "min_officers_per_department") \
        .explode("department").group_by("visit_id", "department").agg(pl.col("min_officers_per_department").max().alias("min_officers"))
    out += [Violation("teams", f"visit {v}", f"{d}: {n} officer(s), at least {m} needed (行政处罚法 art. 42)")
            for v, d, m, n in short_departments(need, assignments).iter_rows()]
    visit_min = per_task.group_by("visit_id").agg(pl.col("min_officers_per_visit").max(), pl.col("exclude_own_grid").any())
    out += [Violation("teams", f"visit {v}", f"{n} officer(s) in all, at least {m} needed")
            for v, m, n in small_teams(visit_min.select("visit_id", "min_officers_per_visit"), assignments).iter_rows()]
    officers = directory.select("officer_id", "qualifications", pl.col("grid").alias("officer_grid"), "weekly_capacity")
    team = assignments.join(officers, on="officer_id").join(plan.visits.select("visit_id", "subject_id", "week"), on="visit_id") \
        .join(scenario.subjects.select("subject_id", pl.col("grid").alias("subject_grid")), on="subject_id") \
        .join(visit_min.select("visit_id", "exclude_own_grid"), on="visit_id")
    out += [Violation("teams", f"visit {v}", f"officer {o} is from the subject's own grid")
            for v, o in own_grid(team).select("visit_id", "officer_id").iter_rows()]
    required = per_task.select("visit_id", "task_id").unique().join(scenario.task_qualifications(), on="task_id")
    held = team.select("visit_id", "department", pl.col("qualifications").alias("qualification")).explode("qualification").drop_nulls()
    out += [Violation("teams", f"visit {v}", f"no officer of {d} holds {q}")
            for v, d, q in missing_qualifications(required, held).iter_rows()]
    out += [Violation("capacity", f"officer {o} week {w}", f"{n} visits, capacity {c}")
            for o, w, c, n in officer_over_capacity(team).iter_rows()]
    return out


CHECKS = (check_files, check_windows, check_sample_sizes, check_coverage, check_dates, check_caps, check_teams)


def check_plan(plan_dir: str | Path, scenario: Scenario) -> list[Violation]:
    """Every violation of a hard rule in the written plan (empty: the plan is lawful as far as rules go)."""
    plan = read_plan(plan_dir)
    policy = plan.manifest["policy"]
    law = load_policy(policy["id"], policy.get("overrides") or None)
    results = evaluate(scenario, law, as_of=dt.date.fromisoformat(policy["as_of"]))
    violations: list[Violation] = []
    for check in CHECKS:
        violations += check(plan, scenario, results)
    return violations
