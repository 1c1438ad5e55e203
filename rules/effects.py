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


def ref_value(ref: Any, law: InForce, facts: dict[str, Any]) -> tuple[Any, str]:
    """The value of a literal or parameter reference, and a label saying where it came from."""
    if not isinstance(ref, ParamRef):
        return ref, "fixed in the rule"
    value = law.param(ref.param)
    if ref.by is None:
        return value, ref.param
    key = facts[ref.by]
    if not isinstance(value, dict) or key not in value:
        raise KeyError(f"parameter {ref.param} has no entry for {ref.by}={key!r}")
    return value[key], f"{ref.param}[{key}]"


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
    return Finding(spec.severity, rule.id, str(rule.source), message, task_id, item_id)


def describe(rule: Rule, law: InForce, facts: dict[str, Any]) -> str:
    """A short account of what the rule does to these facts, e.g. ``× 2 (class_multiplier[D])``."""
    then = rule.then
    parts = []
    if then.multiply is not None:
        value, label = ref_value(then.multiply, law, facts)
        parts.append(f"sampling weight × {value:g} ({label})")
    if then.targeted:
        parts.append("marked for targeted sampling (定向抽查)")
    if then.mandatory is not None:
        value, label = ref_value(then.mandatory, law, facts)
        parts.append(f"mandatory inclusion: {'yes' if value else 'no'} ({label})")
    if then.annual_cap is not None:
        value, label = ref_value(then.annual_cap, law, facts)
        parts.append(f"annual cap {'none' if value is None else value} ({label})")
    for name in ("min_officers_per_visit", "min_officers_per_department", "exclude_own_grid"):
        ref = getattr(then, name)
        if ref is not None:
            value, label = ref_value(ref, law, facts)
            parts.append(f"{name.replace('_', ' ')} = {value} ({label})")
    if then.require_roles is not None:
        roles, label = ref_value(then.require_roles.roles, law, facts)
        parts.append(f"departments must go together: {', '.join(roles)} ({label})")
    if then.require_item_qualifications:
        parts.append("the team must hold each item's qualification")
    if then.one_visit:
        parts.append("all items in one visit")
    for key, ref in (then.settings or {}).items():
        value, label = ref_value(ref, law, facts)
        parts.append(f"{key} = {value} ({label})")
    if then.finding is not None:
        parts.append("raises an error" if then.finding.severity == "error" else "raises a warning")
    return "; ".join(parts) or "applies (no change to the numbers)"
