"""Evaluate a scenario under a policy: ``evaluate(scenario, policy=None) -> RuleResults``.

Evaluation date: the policy's ``as_of`` if it was loaded with one, else **31 December of the scenario
year** — "the law of the plan year". Annual plans are made under documents issued during that year
(the 龙湾 notice for 2023 is dated 2023-02-24; 沪府发〔2024〕6号 takes effect 2024-07-01), so the
first of January would leave a year's own rules out. A rule or value not in force on that day does not
apply. Tasks whose window ends before a document of the chain takes effect are reported (one warning
per document), and a document not yet in force at all on the evaluation day is reported too.

Order: task rules, then pair rules on distinct profiles (joined back to every eligible subject in
polars), probabilities per task, subject rules (caps), item rules, plan rules on the plan's totals.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import polars as pl

from optimizer.progress import step
from rules.effects import (
    Finding,
    finding_of,
    map_roles,
    pair_outcome,
    subject_cap,
    task_outcome,
)
from rules.engine.backend import Backend, get_backend
from rules.engine.facts import (
    SUBJECT_KEYS,
    complaints_cap,
    eligible_pairs,
    item_records,
    plan_record,
    subject_profiles,
    task_records,
)
from rules.law.loader import load_policy
from rules.law.policy import InForce, Policy
from rules.probability import Profile, assign
from rules.results import (
    PAIRS,
    SETTINGS,
    STRATA,
    SUBJECTS,
    TASKS,
    RuleResults,
    findings_frame,
)
from scenarios.model import Scenario

__all__ = ["evaluate", "evaluation_day"]


def evaluation_day(scenario: Scenario, policy: Policy) -> dt.date:
    """The policy's ``as_of`` if given, else 31 December of the scenario year."""
    return policy.as_of or dt.date(scenario.year, 12, 31)


def _in_force_findings(scenario: Scenario, law: InForce) -> list[Finding]:
    out = []
    for doc in law.policy.documents:
        rule_id, source = f"{doc.id}:in-force", str(doc.source)
        if law.day < doc.in_force:
            out.append(Finding("warning", rule_id, source,
                               f"{doc.source.document} takes effect on {doc.in_force}; on {law.day} (plan year "
                               f"{scenario.year}) its rules from that date do not apply; pass as_of to evaluate the plan under it",
                               message_zh=f"{doc.source.document} 自 {doc.in_force} 起施行；按 {law.day}（计划年度 "
                               f"{scenario.year}）评估时，其自该日起施行的规则不适用；如需按其评估，请指定评估日期（as_of）"))
            continue
        early = [t.id for t in scenario.tasks if t.window.end < doc.in_force]
        if early:
            out.append(Finding("warning", rule_id, source,
                               f"tasks {', '.join(early)} end before {doc.source.document} takes effect on "
                               f"{doc.in_force}; they are evaluated under it as the law of plan year {scenario.year}",
                               message_zh=f"任务 {'、'.join(early)} 在 {doc.source.document} 施行（{doc.in_force}）前结束；"
                               f"按计划年度 {scenario.year} 的规定对其评估"))
    return out


def _fired_findings(law: InForce, scope: str, records: list[dict[str, Any]], fired: list[list[str]],
                    key: str | None) -> list[Finding]:
    rules = {r.rule.id: r.rule for r in law.scope(scope) if r.rule.then.finding is not None}
    out, seen = [], set()
    for rec, ids in zip(records, fired):
        for rid in ids:
            if rid in rules:
                task = rec.get("task_id")
                item = rec.get("item_id") if key == "item_id" else None
                f = finding_of(rules[rid], law, rec, task, item)
                if (f.rule_id, f.message) not in seen:
                    seen.add((f.rule_id, f.message))
                    out.append(f)
    return out


def _tasks(scenario: Scenario, law: InForce, recs: list[dict[str, Any]], fired: list[list[str]]) -> tuple[list[tuple], list[Finding]]:
    departments = {d.id: d.name for d in scenario.spec.departments}
    items = scenario.items
    rows, findings = [], []
    for task, rec, ids in zip(scenario.tasks, recs, fired):
        out = task_outcome(law, rec, ids)
        paired: list[str] = []
        for rule_id, roles, mapping in out.roles:
            rule = law.policy.rule(rule_id).rule
            found, missing = map_roles(roles, mapping, departments)
            for role in missing:
                findings.append(Finding("warning", rule_id, str(rule.source),
                                        f"task {task.id}: role {role} required by {rule_id} matches no department "
                                        f"of the scenario; map it with the reform department_roles.{role}=<id>", task.id,
                                        message_zh=f"任务 {task.id}：规则 {rule_id} 要求的角色 {role} 在场景中没有对应部门；"
                                        f"请用改革参数 department_roles.{role}=<部门编号> 指定"))
            for role, dep in found.items():
                if dep not in task.departments and dep not in paired:
                    paired.append(dep)
                    findings.append(Finding("warning", rule_id, str(rule.source),
                                            f"task {task.id}: {rule_id} requires {role} ({dep}) to go along; "
                                            f"it is neither lead nor partner and is added to the team", task.id,
                                            message_zh=f"任务 {task.id}：规则 {rule_id} 要求 {role}（{dep}）一同上门；"
                                            f"该部门既非牵头也非参与部门，已加入检查组"))
        quals = sorted({items[i].qualification for i in task.items if i in items and items[i].qualification}) \
            if out.require_item_qualifications else []
        rows.append((task.id, rec["ratio_mode"], rec["base_ratio"], rec["n_eligible"], [*task.departments, *paired],
                     paired, out.min_officers_per_department, out.min_officers_per_visit, out.exclude_own_grid,
                     quals, out.one_visit, out.rules))
    return rows, findings


def _pairs(scenario: Scenario, law: InForce, backend: Backend, task_recs: list[dict[str, Any]], cap: int):
    by_id = {r["task_id"]: r for r in task_recs}
    pairs = eligible_pairs(scenario, cap)
    keys = ["task_id", *SUBJECT_KEYS]
    prof = pairs.group_by(keys).agg(pl.len().alias("n")).sort(keys).with_row_index("pid")
    rows = list(prof.iter_rows(named=True))
    recs = [{k: row[k] for k in SUBJECT_KEYS} | by_id[row["task_id"]] for row in rows]
    fired = backend.fire(law, "pair", recs)
    findings = _fired_findings(law, "pair", recs, fired, None)
    stratify_by = law.values.get("stratify_by", "risk_class")
    profiles: dict[str, list[Profile]] = {}
    for row, rec, ids in zip(rows, recs, fired):
        profiles.setdefault(row["task_id"], []).append(
            Profile(row["pid"], row["risk_class"], row["n"], pair_outcome(law, rec, ids)))
    out, scales = [], {}
    for task in scenario.tasks:
        group = profiles.get(task.id, [])
        result = assign(law, task, group, stratify_by)
        scales[task.id] = result.scale
        findings += result.findings
        out += [(p.pid, result.prob[p.pid], result.stratum[p.pid], p.outcome.targeted, p.outcome.mandatory,
                 p.outcome.rules) for p in group]
    decided = pl.DataFrame(out, schema={"pid": pl.UInt32, "inclusion_prob": pl.Float64, "stratum": pl.String,
                                        "targeted": pl.Boolean, "mandatory": pl.Boolean, "rules": pl.List(pl.String)},
                           orient="row")
    prof = prof.join(decided, on="pid")
    joined = pairs.join(prof.select(*keys, "pid"), on=keys, how="left").join(decided, on="pid", how="left")
    frame = joined.select("subject_id", "task_id", pl.lit(True).alias("eligible"), "inclusion_prob", "stratum",
                          "targeted", "mandatory", "rules").cast(PAIRS)
    strata = (prof.group_by("task_id", "stratum")
              .agg(pl.col("risk_class").first(), pl.col("targeted").first(), pl.col("mandatory").first(),
                   pl.col("n").sum().cast(pl.Int64), pl.col("inclusion_prob").first())
              .with_columns((pl.col("n") * pl.col("inclusion_prob")).alias("expected"))
              .sort("task_id", "stratum").select(list(STRATA)).cast(STRATA))
    return frame, strata, scales, findings


def _subjects(scenario: Scenario, law: InForce, backend: Backend, cap: int) -> pl.DataFrame:
    facts = subject_profiles(scenario, cap)
    prof = facts.select(SUBJECT_KEYS).unique().sort(SUBJECT_KEYS).with_row_index("pid")
    recs = list(prof.drop("pid").iter_rows(named=True))
    fired = backend.fire(law, "subject", recs)
    caps = [subject_cap(law, rec, ids)[0] for rec, ids in zip(recs, fired)]
    decided = prof.with_columns(pl.Series("annual_cap", caps, dtype=pl.Int32),
                                pl.Series("rules", fired, dtype=pl.List(pl.String)))
    return facts.join(decided, on=SUBJECT_KEYS, how="left").select(list(SUBJECTS)).cast(SUBJECTS)


def _settings(law: InForce, ids: list[str]) -> pl.DataFrame:
    rows = []
    for r in law.scope("plan"):
        if r.rule.id in ids:
            for name, ref in (r.rule.then.settings or {}).items():
                unit = law.policy.parameters[ref.param].unit
                rows.append((name, json.dumps(law.param(ref.param), ensure_ascii=False), unit, r.rule.id,
                             str(r.rule.source)))
    return pl.DataFrame(rows, schema=SETTINGS, orient="row")


def evaluate(
    scenario: Scenario,
    policy: Policy | str | None = None,
    *,
    overrides: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    backend: Backend | None = None,
) -> RuleResults:
    """Apply the policy (default: the scenario's own, with ``overrides`` as a reform) to the scenario.

    ``as_of`` overrides the evaluation date (see :func:`evaluation_day`). Raises PolicyError for a policy
    that cannot be used; problems with the plan itself are returned as findings, never raised.
    """
    if policy is None or isinstance(policy, str):
        policy = load_policy(policy or scenario.policy, overrides)
    elif overrides:
        raise ValueError("pass overrides to load_policy when giving a loaded Policy")
    law = policy.at(as_of or evaluation_day(scenario, policy))
    backend = backend or get_backend()
    findings = _in_force_findings(scenario, law)

    task_recs = task_records(scenario)
    task_fired = backend.fire(law, "task", task_recs)
    task_rows, found = _tasks(scenario, law, task_recs, task_fired)
    findings += _fired_findings(law, "task", task_recs, task_fired, None) + found
    step(1, 10)  # progress (optimizer.progress): tasks, then (subject, task) profiles — the longest — and subjects

    cap = complaints_cap(law)
    pairs, strata, scales, found = _pairs(scenario, law, backend, task_recs, cap)
    findings += found
    step(7, 10)
    subjects = _subjects(scenario, law, backend, cap)
    step(9, 10)

    item_recs = item_records(scenario)
    findings += _fired_findings(law, "item", item_recs, backend.fire(law, "item", item_recs), "item_id")

    plan = plan_record(scenario, pairs, task_recs, item_recs)
    plan_fired = backend.fire(law, "plan", [plan])[0]
    findings += _fired_findings(law, "plan", [plan], [plan_fired], None)

    expected = dict(pairs.group_by("task_id").agg(pl.col("inclusion_prob").sum()).iter_rows())
    tasks = pl.DataFrame(
        [(r[0], r[1], r[2], scales.get(r[0]), r[3], float(expected.get(r[0], 0.0)), *r[4:]) for r in task_rows],
        schema=TASKS, orient="row",
    )
    return RuleResults(law, pairs, subjects, tasks, strata, findings_frame(findings), _settings(law, plan_fired))
