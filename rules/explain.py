"""Why a subject is treated as it is: every rule that applied, with its statement and source, the
resulting inclusion probability per task, and the annual cap. ``jointcheck explain`` prints
:func:`explain_text`; :func:`explain` returns the same as data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from rules.effects import describe, ref_value
from rules.engine.conditions import render
from rules.engine.facts import task_records
from rules.evaluate import evaluate
from rules.law.policy import InForce, Policy
from rules.results import RuleResults
from scenarios.model import Scenario

__all__ = ["RuleTrace", "TaskTrace", "Explanation", "explain", "render_text", "explain_text"]


@dataclass(frozen=True)
class RuleTrace:
    """One rule as it applied (or did not) to this subject."""

    rule_id: str
    source: str
    statement_zh: str
    statement_en: str
    effect: str
    condition: str
    params: tuple[str, ...]
    effect_zh: str = ""  # the same in Chinese (render_text with lang="zh")
    condition_zh: str = ""


@dataclass(frozen=True)
class TaskTrace:
    task_id: str
    name: str
    object_type: str
    ratio_mode: str
    base_ratio: float
    scale: float | None
    inclusion_prob: float
    stratum: str
    targeted: bool
    mandatory: bool
    derivation: str  # how inclusion_prob was computed, e.g. "min(1, 0.25 × 2 × 2)"
    applied: list[RuleTrace]
    not_applied: list[RuleTrace]
    team: dict[str, Any]
    team_rules: list[RuleTrace]
    findings: list[str]
    derivation_zh: str = ""


@dataclass(frozen=True)
class Explanation:
    subject_id: str
    facts: dict[str, Any]
    policy: str
    chain: tuple[str, ...]
    title: str
    day: dt.date
    reform: dict[str, tuple[Any, Any]]  # parameter → (value used, value in the law)
    annual_cap: int | None
    cap_rules: list[RuleTrace]
    cap_not_applied: list[RuleTrace]
    tasks: list[TaskTrace]
    not_eligible: list[str] = field(default_factory=list)
    parameters: list[str] = field(default_factory=list)
    one_task: bool = False  # a single task was asked for: its task rules are shown in full
    parameters_zh: list[str] = field(default_factory=list)


def _trace(law: InForce, rule_id: str, facts: dict[str, Any]) -> RuleTrace:
    active = next(r for r in law.rules if r.rule.id == rule_id)
    rule = active.rule
    source = str(rule.source) + "".join(f"; {a}" for a in rule.also)
    return RuleTrace(rule.id, source, rule.statement.zh, rule.statement.en, describe(rule, law, facts),
                     render(active.cond), tuple(sorted(law.policy.rule(rule_id).params)),
                     describe(rule, law, facts, "zh"), render(active.cond, "zh"))


def _derivation(mode: str, scale: float | None, factors: list[tuple[str, float]], prob: float, mandatory: bool,
                class_ratio: tuple[str, float | None], lang: str = "en") -> str:
    zh = lang == "zh"
    if mandatory:
        return "1（必抽：此类对象全部抽取）" if zh else "1 (mandatory: every such subject is drawn)"
    chain = " × ".join(f"{v:g}" for _, v in factors)
    weight = f" × {chain}" if chain else ""
    if mode == "ratio":
        return f"min(1, {scale:g}{weight})"
    if mode == "count":
        if scale == 1.0 and prob == 1.0:
            return "1（固定户数覆盖全部符合条件的对象）" if zh else "1 (the count covers every eligible subject)"
        if zh:
            return f"min(1, c{weight})，c = {scale:.6g}，使该任务各对象抽中概率之和等于固定户数"
        return f"min(1, c{weight}), c = {scale:.6g} chosen so that the task's probabilities sum to its count"
    risk_class, ratio = class_ratio
    shown = ratio if ratio is not None else ("无" if zh else "none")
    return f"min(1, ratio_by_class[{risk_class}] = {shown}{weight})"


UNITS_ZH = {"visits_per_year": "次/年", "officers": "人", "complaints": "次"}  # ratios, factors and flags read without one


def _show_value_zh(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, dict):
        return "，".join(f"{k} {v}" for k, v in value.items())
    return "无" if value is None else str(value)


def explain(
    scenario: Scenario | str | Path,
    subject_id: str,
    task_id: str | None = None,
    *,
    policy: Policy | str | None = None,
    overrides: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    results: RuleResults | None = None,
) -> Explanation:
    """The trace of one subject (optionally one task). Raises KeyError for an unknown subject or task."""
    if not isinstance(scenario, Scenario):
        from scenarios.load import (
            load_scenario,  # here, not at the top: scenarios.load imports rules.law.catalog
        )

        scenario = load_scenario(scenario)
    row = scenario.subjects.filter(pl.col("subject_id") == subject_id)
    if row.height == 0:
        raise KeyError(f"subject {subject_id!r} is not in the directory of scenario {scenario.name}")
    if task_id is not None and task_id not in {t.id for t in scenario.tasks}:
        raise KeyError(f"task {task_id!r} is not in scenario {scenario.name}")
    results = results or evaluate(scenario, policy, overrides=overrides, as_of=as_of)
    law = results.law
    subject = row.row(0, named=True)
    facts = {"risk_class": str(subject["risk_class"]), "penalized_3y": bool(subject["penalized_3y"]),
             "complaints_verified": int(subject["complaints_verified"])}
    shown = {**facts, "object_types": list(subject["object_types"]), "grid": subject["grid"], "name": subject["name"]}

    cap_row = results.subjects.filter(pl.col("subject_id") == subject_id).row(0, named=True)
    cap_rules = [_trace(law, rid, facts) for rid in cap_row["rules"]]
    cap_not_applied = [_trace(law, r.rule.id, facts) for r in law.scope("subject") if r.rule.id not in cap_row["rules"]]
    records = {r["task_id"]: r for r in task_records(scenario)}
    pairs = results.pairs.filter(pl.col("subject_id") == subject_id)
    pair_rows = {r["task_id"]: r for r in pairs.iter_rows(named=True)}
    tasks_frame = {r["task_id"]: r for r in results.tasks.iter_rows(named=True)}
    wanted = [t for t in scenario.tasks if task_id is None or t.id == task_id]
    traces, not_eligible, used = [], [], set()
    for task in wanted:
        if task.id not in pair_rows:
            if task_id is not None:
                not_eligible.append(f"{task.id} draws from {task.object_type}; the subject is "
                                    f"{', '.join(shown['object_types'])}")
            continue
        p, t, rec = pair_rows[task.id], tasks_frame[task.id], {**facts, **records[task.id]}
        applied = [_trace(law, rid, rec) for rid in p["rules"]]
        not_applied = [_trace(law, r.rule.id, rec) for r in law.scope("pair") if r.rule.id not in p["rules"]]
        factors = []
        for rid in p["rules"]:
            then = law.policy.rule(rid).rule.then
            if then.multiply is not None:
                factors.append((rid, float(ref_value(then.multiply, law, rec)[0])))
        team_rules = [_trace(law, rid, rec) for rid in t["rules"]]
        task_findings = results.findings.filter(pl.col("task_id") == task.id)
        mine = [f"{r['severity']}: {r['message']} [{r['rule_id']}; {r['source']}]"
                for r in task_findings.iter_rows(named=True) if r["stratum"] in (None, p["stratum"])]
        for tr in [*applied, *team_rules]:
            used.update(tr.params)
        traces.append(TaskTrace(
            task.id, task.name, task.object_type, t["ratio_mode"], t["base_ratio"], t["scale"], p["inclusion_prob"],
            p["stratum"], p["targeted"], p["mandatory"],
            _derivation(t["ratio_mode"], t["scale"], factors, p["inclusion_prob"], p["mandatory"],
                        (facts["risk_class"], (task.ratio_by_class or {}).get(facts["risk_class"]))),
            applied, not_applied,
            {k: t[k] for k in ("required_departments", "paired_departments", "min_officers_per_visit",
                               "min_officers_per_department", "exclude_own_grid", "required_qualifications",
                               "one_visit")},
            team_rules, mine,
            _derivation(t["ratio_mode"], t["scale"], factors, p["inclusion_prob"], p["mandatory"],
                        (facts["risk_class"], (task.ratio_by_class or {}).get(facts["risk_class"])), "zh")))
    for tr in cap_rules:
        used.update(tr.params)
    parameters, parameters_zh = [], []
    for name in sorted(used):
        p_def = law.policy.parameters[name]
        value = law.values.get(name)
        note = f" (reform; law: {law.law_values.get(name)!r})" if name in law.policy.overrides else ""
        parameters.append(f"{name} = {value!r} {p_def.unit}{note} — {p_def.reference}, in force since "
                          f"{law.since.get(name)}")
        note_zh = (f"（改革试算；法规值：{_show_value_zh(law.law_values.get(name))}）"
                   if name in law.policy.overrides else "")
        parameters_zh.append(f"{p_def.title('zh')} = {_show_value_zh(value)} {UNITS_ZH.get(p_def.unit, '')}{note_zh}"
                             f" — {p_def.reference}，自 {law.since.get(name)} 起施行")
    reform = {k: (law.values.get(k), law.law_values.get(k)) for k in law.policy.overrides}
    return Explanation(subject_id, shown, law.policy.id, law.policy.chain, law.policy.title, law.day, reform,
                       cap_row["annual_cap"], cap_rules, cap_not_applied, traces, not_eligible, parameters,
                       task_id is not None, parameters_zh)


_WORDS = {  # the trace's words in Chinese and English; rule statements carry both already
    "subject": ("检查对象", "Subject"), "object_types": ("对象类型", "object types"), "risk_class": ("信用风险分类", "risk class"),
    "penalised": ("近三年受行政处罚", "penalised in the last 3 years"), "complaints": ("经核实投诉", "verified complaints"),
    "grid": ("网格", "grid"), "policy": ("政策", "Policy"), "extends": ("继承", "extends"),
    "in_force": ("适用的法规日期", "law in force on"), "reform": ("参数调整", "reform"), "law": ("法规值", "law"),
    "cap": ("年度检查次数上限", "Annual visit cap"), "no_cap": ("无（没有规则设定）", "none (no rule sets one)"),
    "not_applied": ("未适用", "Did not apply"), "not_eligible": ("不属抽取范围：任务", "Not eligible: task"),
    "no_task": ("没有任务从该对象的类型中抽取。", "No task draws from this subject's object types."),
    "task": ("任务", "Task"), "object_type": ("对象类型", "object type"), "ratio": ("抽查比例", "ratio"),
    "count": ("固定户数（折合基础比例", "count (base ratio"), "by_class": ("分类比例（平均", "ratio by class (mean"),
    "prob": ("抽中概率", "inclusion probability"), "stratum": ("层", "stratum"),
    "targeted": ("定向抽查", "targeted (定向抽查)"), "mandatory": ("必抽", "mandatory"),
    "applied": ("适用的规则：", "Rules that applied:"), "none_applied": ("没有适用的抽查规则：按基础比例。", "No sampling rule applied: the base ratio stands."),
    "team": ("检查组", "Team"), "departments": ("部门", "departments"), "paired": ("配对增加", "added by pairing"),
    "at_least": ("每次至少 {n} 名执法人员", "at least {n} officers per visit"), "per_dept": ("每部门 {n} 名", "{n} per department"),
    "own_grid": ("不派本网格人员", "none from the subject's own grid"), "quals": ("资质", "qualifications"),
    "one_visit": ("所有事项一次上门完成", "all items in one visit"), "task_rules": ("任务规则：", "Task rules:"),
    "params": ("用到的参数：", "Parameters used:"), "when": ("条件", "when"), "yes": ("是", "yes"), "no": ("否", "no"),
}


def _w(key: str, lang: str, **values: object) -> str:
    zh, en = _WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def _rule_lines(tr: RuleTrace, indent: str, lang: str = "en") -> list[str]:
    statements = [f"{indent}    “{tr.statement_zh}”"] if lang == "zh" else [f"{indent}    “{tr.statement_zh}”", f"{indent}    {tr.statement_en}"]
    condition, effect = (tr.condition_zh or tr.condition, tr.effect_zh or tr.effect) if lang == "zh" else (tr.condition, tr.effect)
    return [f"{indent}✓ {tr.rule_id} — {tr.source}", *statements, f"{indent}    {_w('when', lang)} {condition} → {effect}"]


def _condition(tr: RuleTrace, lang: str) -> str:
    return (tr.condition_zh or tr.condition) if lang == "zh" else tr.condition


def _yes(flag: bool, lang: str = "en") -> str:
    return _w("yes" if flag else "no", lang)


def render_text(e: Explanation, lang: str = "en") -> str:
    """The explanation as plain text, in Chinese (``lang="zh"``) or English."""
    f = e.facts
    sep = "：" if lang == "zh" else ": "
    out = [
        f"{_w('subject', lang)} {e.subject_id} {f['name']}",
        f"  {_w('object_types', lang)}{sep}{', '.join(f['object_types'])} · {_w('risk_class', lang)} {f['risk_class']} · "
        f"{_w('penalised', lang)}{sep}{_yes(f['penalized_3y'], lang)} · {_w('complaints', lang)}{sep}{f['complaints_verified']}"
        f" · {_w('grid', lang)}{sep}{f['grid'] or '-'}",
        f"{_w('policy', lang)} {e.policy}" + (f" ({_w('extends', lang)} {' → '.join(e.chain[:-1])})" if len(e.chain) > 1 else "")
        + f" — {e.title}; {_w('in_force', lang)} {e.day}",
    ]
    for name, (value, law_value) in e.reform.items():
        out.append(f"  {_w('reform', lang)}{sep}{name} = {value!r} ({_w('law', lang)}{sep}{law_value!r})")
    out.append("")
    out.append(f"{_w('cap', lang)}{sep}{_w('no_cap', lang) if e.annual_cap is None else e.annual_cap}")
    for tr in e.cap_rules:
        out += _rule_lines(tr, "  ", lang)
    if e.cap_not_applied:
        out.append(f"  {_w('not_applied', lang)}{sep}" + "; ".join(f"{tr.rule_id} ({_condition(tr, lang)})" for tr in e.cap_not_applied))
    for line in e.not_eligible:
        out += ["", f"{_w('not_eligible', lang)} {line}"]
    if not e.tasks and not e.not_eligible:
        out += ["", _w("no_task", lang)]
    for t in e.tasks:
        close = "）" if lang == "zh" else ")"
        sample = {"ratio": f"{_w('ratio', lang)} {t.base_ratio:.2%}",
                  "count": f"{_w('count', lang)} {t.base_ratio:.2%}{close}",
                  "ratio_by_class": f"{_w('by_class', lang)} {t.base_ratio:.2%}{close}"}[t.ratio_mode]
        out += [
            "",
            f"{_w('task', lang)} {t.task_id} {t.name} — {_w('object_type', lang)} {t.object_type}, {sample}",
            f"  {_w('prob', lang)} {t.inclusion_prob:.4f} = {(t.derivation_zh or t.derivation) if lang == 'zh' else t.derivation}",
            f"  {_w('stratum', lang)} {t.stratum} · {_w('targeted', lang)}{sep}{_yes(t.targeted, lang)} · "
            f"{_w('mandatory', lang)}{sep}{_yes(t.mandatory, lang)}",
            f"  {_w('applied', lang)}" if t.applied else f"  {_w('none_applied', lang)}",
        ]
        for tr in t.applied:
            out += _rule_lines(tr, "    ", lang)
        if t.not_applied:
            out.append(f"  {_w('not_applied', lang)}{sep}" + "; ".join(f"{tr.rule_id} ({_condition(tr, lang)})" for tr in t.not_applied))
        team = t.team
        out.append(
            f"  {_w('team', lang)}{sep}{_w('departments', lang)} {', '.join(team['required_departments'])}"
            + (f" ({_w('paired', lang)}{sep}{', '.join(team['paired_departments'])})" if team["paired_departments"] else "")
            + f"; {_w('at_least', lang, n=team['min_officers_per_visit'] or 1)}, "
            f"{_w('per_dept', lang, n=team['min_officers_per_department'] or 1)}"
            + (f"; {_w('own_grid', lang)}" if team["exclude_own_grid"] else "")
            + (f"; {_w('quals', lang)} {', '.join(team['required_qualifications'])}" if team["required_qualifications"] else "")
            + (f"; {_w('one_visit', lang)}" if team["one_visit"] else "")
        )
        if e.one_task:
            out.append(f"  {_w('task_rules', lang)}")
            for tr in t.team_rules:
                out += _rule_lines(tr, "    ", lang)
        else:
            out.append(f"  {_w('task_rules', lang)} " + "; ".join(f"{tr.rule_id} ({tr.source})" for tr in t.team_rules))
        for line in t.findings:
            out.append(f"  ! {line}")
    if e.parameters:
        shown = e.parameters_zh if lang == "zh" and e.parameters_zh else e.parameters
        out += ["", _w("params", lang)] + [f"  {p}" for p in shown]
    return "\n".join(out)


def explain_text(
    scenario_dir_or_scenario: Scenario | str | Path,
    subject_id: str,
    task_id: str | None = None,
    *,
    policy: Policy | str | None = None,
    overrides: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    lang: str = "en",
) -> str:
    """Readable, cited trace of one subject: rules applied with statement and source, π per task, cap."""
    from scoring import (
        explain_score,  # the card that made the subject's class, when one did
    )

    scenario = scenario_dir_or_scenario
    if not isinstance(scenario, Scenario):
        from scenarios.load import (
            load_scenario,  # here, not at the top: scenarios.load imports rules.law.catalog
        )

        scenario = load_scenario(scenario)
    text = render_text(explain(scenario, subject_id, task_id, policy=policy, overrides=overrides, as_of=as_of), lang)
    score = explain_score(scenario, subject_id)
    return text + ("\n\n" + "\n".join(score) if score else "")
