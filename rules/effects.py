"""What fired rules do. The law file says when a rule applies and with which values; this module gives
each effect its one fixed meaning (see :class:`rules.law.schema.Effects`):

* ``multiply`` — factors multiply into the subject's sampling weight, in policy order;
* ``targeted`` / ``mandatory`` — 定向抽查 flags; mandatory makes the inclusion probability 1;
* ``annual_cap`` — the smallest cap of the rules that apply (null = no cap);
* ``min_officers_*`` — the largest minimum of the rules that apply;
* ``exclude_own_grid``, ``one_visit`` — true if any applying rule says so;
* ``require_roles`` — roles mapped to department ids (:func:`map_roles`);
* ``finding`` — an error or warning whose message is filled from the facts and parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from rules.law.policy import ActiveRule, InForce
from rules.law.schema import ParamRef, Rule

__all__ = [
    "Factor",
    "PairOutcome",
    "TaskOutcome",
    "Finding",
    "ref_value",
    "pair_outcome",
    "subject_cap",
    "task_outcome",
    "map_roles",
    "finding_of",
    "describe",
]


@dataclass(frozen=True)
class Factor:
    """One multiplier on the sampling weight, with the rule and parameter it came from."""

    rule_id: str
    value: float
    label: str


@dataclass(frozen=True)
class Finding:
    """An error or warning about the plan, with the rule and its source."""

    severity: str
    rule_id: str
    source: str
    message: str
    task_id: str | None = None
    item_id: str | None = None
    stratum: str | None = None
    message_zh: str = ""   # the message in Chinese (the planner's default language); "" when the policy gives none


@dataclass
class PairOutcome:
    factors: list[Factor] = field(default_factory=list)
    targeted: bool = False
    mandatory: bool = False
    rules: list[str] = field(default_factory=list)


@dataclass
class TaskOutcome:
    roles: list[tuple[str, list[str], dict[str, Any]]] = field(default_factory=list)  # (rule id, roles, role map)
    min_officers_per_visit: int | None = None
    min_officers_per_department: int | None = None
    exclude_own_grid: bool = False
    require_item_qualifications: bool = False
    one_visit: bool = False
    rules: list[str] = field(default_factory=list)


def ref_value(ref: Any, law: InForce, facts: dict[str, Any], lang: str = "en") -> tuple[Any, str]:
    """The value of a literal or parameter reference, and a label saying where it came from (in Chinese, with
    ``lang="zh"``, the parameter's title)."""
    if not isinstance(ref, ParamRef):
        return ref, "规则中固定" if lang == "zh" else "fixed in the rule"
    value = law.param(ref.param)
    name = ref.param
    if lang == "zh" and ref.param in law.policy.parameters:
        name = law.policy.parameters[ref.param].title("zh")
    if ref.by is None:
        return value, name
    key = facts[ref.by]
    if not isinstance(value, dict) or key not in value:
        raise KeyError(f"parameter {ref.param} has no entry for {ref.by}={key!r}")
    return value[key], f"{name}[{key}]"


def _rules(law: InForce, scope: str, ids: list[str]) -> list[ActiveRule]:
    fired = set(ids)
    return [r for r in law.scope(scope) if r.rule.id in fired]


def pair_outcome(law: InForce, facts: dict[str, Any], ids: list[str]) -> PairOutcome:
    out = PairOutcome(rules=list(ids))
    for r in _rules(law, "pair", ids):
        then = r.rule.then
        if then.multiply is not None:
            value, label = ref_value(then.multiply, law, facts)
            out.factors.append(Factor(r.rule.id, float(value), label))
        if then.targeted:
            out.targeted = True
        if then.mandatory is not None and ref_value(then.mandatory, law, facts)[0]:
            out.mandatory = True
    return out


def subject_cap(law: InForce, facts: dict[str, Any], ids: list[str]) -> tuple[int | None, list[str]]:
    """The smallest annual cap of the applying rules (None: no cap) and the rules that set a number."""
    caps = []
    for r in _rules(law, "subject", ids):
        if r.rule.then.annual_cap is not None:
            value = ref_value(r.rule.then.annual_cap, law, facts)[0]
            if value is not None:
                caps.append((int(value), r.rule.id))
    if not caps:
        return None, []
    low = min(c for c, _ in caps)
    return low, [rid for c, rid in caps if c == low]


def task_outcome(law: InForce, facts: dict[str, Any], ids: list[str]) -> TaskOutcome:
    out = TaskOutcome(rules=list(ids))
    for r in _rules(law, "task", ids):
        then = r.rule.then
        if then.require_roles is not None:
            roles = ref_value(then.require_roles.roles, law, facts)[0]
            mapping = ref_value(then.require_roles.map, law, facts)[0] if then.require_roles.map else {}
            out.roles.append((r.rule.id, list(roles), dict(mapping or {})))
        for name in ("min_officers_per_visit", "min_officers_per_department"):
            ref = getattr(then, name)
            if ref is not None:
                value = int(ref_value(ref, law, facts)[0])
                current = getattr(out, name)
                setattr(out, name, value if current is None else max(current, value))
        if then.exclude_own_grid is not None and ref_value(then.exclude_own_grid, law, facts)[0]:
            out.exclude_own_grid = True
        out.require_item_qualifications |= bool(then.require_item_qualifications)
        out.one_visit |= bool(then.one_visit)
    return out


def map_roles(roles: list[str], mapping: dict[str, Any], departments: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Map role names to scenario department ids: the role map first, then a department whose id or name
    equals the role. Returns (role → department id, roles left unmapped). ``departments`` is id → name."""
    by_name = {name: dep for dep, name in departments.items()}
    found, missing = {}, []
    for role in roles:
        target = mapping.get(role)
        if target in departments:
            found[role] = target
        elif role in departments:
            found[role] = role
        elif role in by_name:
            found[role] = by_name[role]
        else:
            missing.append(role)
    return found, missing


def _show(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def finding_of(rule: Rule, law: InForce, facts: dict[str, Any], task_id: str | None = None,
               item_id: str | None = None) -> Finding:
    """The rule's finding with its message filled from the facts and ``p.<parameter>``."""
    spec = rule.then.finding
    assert spec is not None
    shown = {k: _show(v) for k, v in facts.items()}
    params = SimpleNamespace(**{k: _show(v) for k, v in law.values.items()})
    message = spec.message.format(**shown, p=params)
    message_zh = spec.message_zh.format(**shown, p=params) if spec.message_zh else ""
    return Finding(spec.severity, rule.id, str(rule.source), message, task_id, item_id, message_zh=message_zh)


_EFFECT_WORDS = {  # what a rule does, in Chinese and English
    "weight": ("抽查权重 × {value} （{label}）", "sampling weight × {value:g} ({label})"),
    "targeted": ("标记为定向抽查", "marked for targeted sampling (定向抽查)"),
    "mandatory": ("必抽：{yes} （{label}）", "mandatory inclusion: {yes} ({label})"),
    "cap": ("年度检查次数上限 {value} （{label}）", "annual cap {value} ({label})"),
    "min_officers_per_visit": ("每次检查至少 {value} 名执法人员 （{label}）", "min officers per visit = {value} ({label})"),
    "min_officers_per_department": ("每部门至少 {value} 名执法人员 （{label}）", "min officers per department = {value} ({label})"),
    "exclude_own_grid": ("不派本网格人员：{value} （{label}）", "exclude own grid = {value} ({label})"),
    "roles": ("以下部门须一同上门：{roles} （{label}）", "departments must go together: {roles} ({label})"),
    "qualifications": ("检查组须具备每个事项所需资质", "the team must hold each item's qualification"),
    "one_visit": ("所有事项一次上门完成", "all items in one visit"),
    "setting": ("{key} = {value} （{label}）", "{key} = {value} ({label})"),
    "error": ("提示错误", "raises an error"), "warning": ("提示警告", "raises a warning"),
    "nothing": ("适用（不改变数字）", "applies (no change to the numbers)"),
    "none": ("无", "none"), "yes": ("是", "yes"), "no": ("否", "no"),
}


def _say(key: str, lang: str, **values: Any) -> str:
    zh, en = _EFFECT_WORDS[key]
    if lang == "zh":
        values = {k: (f"{v:g}" if isinstance(v, float) else v) for k, v in values.items()}
        return zh.format(**values)
    return en.format(**values)


def describe(rule: Rule, law: InForce, facts: dict[str, Any], lang: str = "en") -> str:
    """A short account of what the rule does to these facts, e.g. ``sampling weight × 2 (class_multiplier[D])``
    (``抽查权重 × 2 （信用风险分类系数[D]）`` with ``lang="zh"``)."""
    then = rule.then
    parts = []
    yes_no = lambda flag: _say("yes" if flag else "no", lang)  # noqa: E731
    if then.multiply is not None:
        value, label = ref_value(then.multiply, law, facts, lang)
        parts.append(_say("weight", lang, value=float(value), label=label))
    if then.targeted:
        parts.append(_say("targeted", lang))
    if then.mandatory is not None:
        value, label = ref_value(then.mandatory, law, facts, lang)
        parts.append(_say("mandatory", lang, yes=yes_no(value), label=label))
    if then.annual_cap is not None:
        value, label = ref_value(then.annual_cap, law, facts, lang)
        parts.append(_say("cap", lang, value=_say("none", lang) if value is None else value, label=label))
    for name in ("min_officers_per_visit", "min_officers_per_department", "exclude_own_grid"):
        ref = getattr(then, name)
        if ref is not None:
            value, label = ref_value(ref, law, facts, lang)
            shown = yes_no(value) if isinstance(value, bool) and lang == "zh" else value
            parts.append(_say(name, lang, value=shown, label=label))
    if then.require_roles is not None:
        roles, label = ref_value(then.require_roles.roles, law, facts, lang)
        parts.append(_say("roles", lang, roles=("、" if lang == "zh" else ", ").join(roles), label=label))
    if then.require_item_qualifications:
        parts.append(_say("qualifications", lang))
    if then.one_visit:
        parts.append(_say("one_visit", lang))
    for key, ref in (then.settings or {}).items():
        value, label = ref_value(ref, law, facts, lang)
        parts.append(_say("setting", lang, key=key, value=value, label=label))
    if then.finding is not None:
        parts.append(_say("error" if then.finding.severity == "error" else "warning", lang))
    return ("；" if lang == "zh" else "; ").join(parts) or _say("nothing", lang)
