"""Law tests as data (OpenFisca habit): YAML cases with ``name``, ``period``, ``input``, ``output``.

A case builds a one-task scenario in memory (:func:`build_scenario`), evaluates it under a policy on the
period, and compares the outputs for the first subject::

    - name: class A is sampled at half the base ratio
      policy: shanghai-2024
      period: 2024                  # plan year (evaluated on 31 Dec) or a date like 2024-06-30
      reform: {class_multiplier.A: 0.25}             # optional overrides
      input:
        subject: {risk_class: A, penalized_3y: false, complaints_verified: 0}
        others: [{risk_class: B}]                    # optional further subjects (same object type)
        task: {ratio: 0.1, items: [{kind: general}]}
      output:
        inclusion_prob: 0.05
        rules: [sh2024-1-5-credit-low]               # pair rules that fired, exactly
        annual_cap: null
        task: {min_officers_per_visit: 2}
        findings_include: [sh2024-1-2-general-cap]   # rule ids among the findings
        findings_exclude: []
        fired_include: [sh2024-1-2-key-no-cap]       # rules that applied anywhere (pairs, subjects,
        fired_exclude: []                            # tasks, findings, settings)
        settings: {result_publication_working_days: 20}

Write cases in pairs on both sides of a boundary (A vs B, penalised vs not, the day before and the day a
rule takes effect). Also used to build small scenarios in tests.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from rules.evaluate import evaluate
from rules.law.loader import load_policy
from rules.results import RuleResults
from scenarios.model import Scenario, ScenarioSpec

__all__ = ["build_scenario", "load_cases", "evaluate_case", "fired_rules", "run_case"]

_RISK = pl.Enum(["A", "B", "C", "D"])


def _subject(i: int, given: dict[str, Any], object_type: str) -> dict[str, Any]:
    types = given.get("object_types", [object_type])
    return {
        "subject_id": given.get("subject_id", f"S{i + 1:03d}"),
        "name": given.get("name", f"检查对象{i + 1}"),
        "object_types": [types] if isinstance(types, str) else list(types),
        "risk_class": given.get("risk_class", "B"),
        "grid": given.get("grid", "G1"),
        "penalized_3y": bool(given.get("penalized_3y", False)),
        "complaints_verified": int(given.get("complaints_verified", 0)),
    }


def build_scenario(
    subjects: list[dict[str, Any]],
    tasks: list[dict[str, Any]],
    *,
    items: list[dict[str, Any]] | None = None,
    departments: list[dict[str, Any]] | None = None,
    year: int = 2024,
    policy: str = "shanghai-2024",
) -> Scenario:
    """A scenario in memory, with the same column types as a loaded one. Missing fields get defaults:
    departments SAMR and FIRE, two officers each; item K1 (key, SAMR); task T1 on ``restaurant``, lead
    SAMR, items [K1], window April–May of ``year``. References are not checked (unlike load_scenario),
    so a task may hold an item that is not on the list."""
    departments = departments or [{"id": "SAMR", "name": "区市场监管局"}, {"id": "FIRE", "name": "区消防救援支队"}]
    items = items or [{"id": "K1", "name": "重点事项", "department": "SAMR", "kind": "key"}]
    built_tasks = []
    for k, t in enumerate(tasks):
        task = {"id": f"T{k + 1}", "name": f"任务{k + 1}", "lead": departments[0]["id"], "items": [items[0]["id"]],
                "object_type": "restaurant",
                "window": {"start": dt.date(year, 4, 1), "end": dt.date(year, 5, 31)}, **t}
        if not any(key in task for key in ("ratio", "count", "ratio_by_class")):
            task["ratio"] = 0.1
        built_tasks.append(task)
    spec = ScenarioSpec.model_validate({
        "name": "lawtest", "year": year, "policy": policy, "departments": departments,
        "items": items, "tasks": built_tasks,
    })
    object_type = built_tasks[0]["object_type"]
    rows = [_subject(i, s, object_type) for i, s in enumerate(subjects)]
    frame = pl.DataFrame(rows, schema={
        "subject_id": pl.String, "name": pl.String, "object_types": pl.List(pl.String), "risk_class": pl.String,
        "grid": pl.String, "penalized_3y": pl.Boolean, "complaints_verified": pl.Int32,
    }).with_columns(pl.col("risk_class").cast(_RISK))
    officers = pl.DataFrame(
        [(f"O{d['id']}{j}", f"{d['id']}{j}", d["id"], [], f"G{j}", 5) for d in departments for j in (1, 2, 3)],
        schema={"officer_id": pl.String, "name": pl.String, "department": pl.String,
                "qualifications": pl.List(pl.String), "grid": pl.String, "weekly_capacity": pl.Int32},
        orient="row",
    )
    return Scenario(root=Path("."), spec=spec, subjects=frame, officers=officers, content_hash="lawtest")


def load_cases(path: str | Path) -> list[dict[str, Any]]:
    """The cases of one YAML file (a list of mappings)."""
    cases = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(cases, list):
        raise ValueError(f"{path}: expected a list of cases")
    return cases


def _period(period: Any) -> tuple[int, dt.date | None]:
    if isinstance(period, int):
        return period, None
    day = period if isinstance(period, dt.date) else dt.date.fromisoformat(str(period))
    return day.year, day


def _same(want: Any, got: Any) -> bool:
    if isinstance(want, float) and isinstance(got, (int, float)):
        return math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-12)
    return want == got


def evaluate_case(case: dict[str, Any]) -> tuple[Scenario, RuleResults]:
    """Build the case's scenario and evaluate it under the case's policy, reform and period."""
    year, day = _period(case["period"])
    given = case["input"]
    task = dict(given.get("task", {}))
    scenario = build_scenario([given.get("subject", {}), *given.get("others", [])], [task],
                              items=given.get("items"), departments=given.get("departments"),
                              year=year, policy=case["policy"])
    policy = load_policy(case["policy"], case.get("reform"))
    return scenario, evaluate(scenario, policy, as_of=day)


def fired_rules(results: RuleResults) -> set[str]:
    """Ids of every rule that applied anywhere: pairs, subjects, tasks, findings and settings."""
    fired: set[str] = set()
    for frame in (results.pairs, results.subjects, results.tasks):
        fired.update(frame["rules"].explode().drop_nulls().to_list())
    fired.update(results.findings["rule_id"].to_list())
    fired.update(results.settings["rule_id"].to_list())
    return fired


def run_case(case: dict[str, Any]) -> list[str]:
    """Evaluate one case; return what differs from the expected output (empty when it passes)."""
    scenario, results = evaluate_case(case)
    want = case["output"]
    sid = scenario.subjects["subject_id"][0]
    pair = results.pairs.filter(pl.col("subject_id") == sid)
    got: dict[str, Any] = {}
    if pair.height:
        got = dict(pair.row(0, named=True))
    got["eligible"] = bool(pair.height)
    sub = results.subjects.filter(pl.col("subject_id") == sid).row(0, named=True)
    got["annual_cap"], got["subject_rules"] = sub["annual_cap"], sub["rules"]
    found = set(results.findings["rule_id"].to_list())
    problems = []
    for key, value in want.items():
        if key == "task":
            row = results.tasks.row(0, named=True)
            problems += [f"task.{k}: expected {v!r}, got {row[k]!r}" for k, v in value.items() if not _same(v, row[k])]
        elif key == "findings_include":
            problems += [f"finding {r} expected, found {sorted(found)}" for r in value if r not in found]
        elif key == "findings_exclude":
            problems += [f"finding {r} not expected" for r in value if r in found]
        elif key in ("fired_include", "fired_exclude"):
            fired = fired_rules(results)
            problems += [f"rule {r} {'did not apply' if key == 'fired_include' else 'applied'}"
                         for r in value if (r in fired) != (key == "fired_include")]
        elif key == "settings":
            problems += [f"setting {k}: expected {v!r}, got {results.setting(k)!r}"
                         for k, v in value.items() if results.setting(k) != v]
        elif not _same(value, got.get(key)):
            problems.append(f"{key}: expected {value!r}, got {got.get(key)!r}")
    return problems
