"""A loaded policy and the law it puts in force on a given day.

:func:`rules.law.loader.load_policy` returns a :class:`Policy`: the merged law of a file and its ancestors
plus an optional reform (a named override of parameter values — never an edit of the law file).
``Policy.at(day)`` gives the :class:`InForce` snapshot the engine evaluates: the rules in force on that
day (``effective <= day < until``) and each parameter's value keyed by the latest date ``<= day``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from rules.engine.conditions import Cond, ConditionError, push_not, resolve
from rules.law.policy_check import PolicyError
from rules.law.schema import Reference, Rule
from rules.law.units import MAPPING_UNITS, check_value

__all__ = ["PolicyError", "Document", "ParameterDef", "RuleDef", "Policy", "InForce", "ActiveRule"]


@dataclass(frozen=True)
class Document:
    """One file of the extends chain: the document it encodes and the day that document takes effect."""

    id: str
    title: str
    source: Reference
    in_force: dt.date


@dataclass(frozen=True)
class ParameterDef:
    """A parameter merged along the extends chain; each dated value keeps the reference it came with."""

    name: str
    description: str
    unit: str
    reference: Reference
    values: dict[dt.date, tuple[Any, Reference, str]]  # day → (value, reference, policy id)
    label: tuple[str, str] | None = None                # (Chinese, English) name for planners
    description_zh: str | None = None

    def title(self, lang: str = "zh") -> str:
        """The parameter's name for a planner in ``lang`` (its id when the policy gives none)."""
        if self.label is None:
            return self.name
        return self.label[0] if lang == "zh" else self.label[1]

    def explained(self, lang: str = "zh") -> str:
        """The description in ``lang`` (the English one when no Chinese is given)."""
        return (self.description_zh or self.description) if lang == "zh" else self.description

    def on(self, day: dt.date) -> tuple[dt.date, Any, Reference, str] | None:
        """The value in force on ``day`` with its date, reference and policy; None before the first date."""
        days = [d for d in self.values if d <= day]
        if not days:
            return None
        since = max(days)
        return (since, *self.values[since])


@dataclass(frozen=True)
class RuleDef:
    """A rule with the policy file it comes from, its parsed condition and the parameters it uses."""

    rule: Rule
    policy: str
    cond: Cond
    params: frozenset[str]


@dataclass(frozen=True)
class ActiveRule:
    """A rule in force on the evaluation date, with its condition resolved (parameters replaced)."""

    rule: Rule
    policy: str
    cond: Cond


@dataclass(frozen=True)
class Policy:
    """The merged law of a policy file and its ancestors, plus an optional reform."""

    id: str
    title: str
    source: Reference
    in_force: dt.date
    chain: tuple[str, ...]
    documents: tuple["Document", ...]
    parameters: dict[str, ParameterDef]
    rules: tuple[RuleDef, ...]
    overrides: dict[str, Any] = field(default_factory=dict)
    as_of: dt.date | None = None
    digest: str = ""

    def rule(self, rule_id: str) -> RuleDef:
        for r in self.rules:
            if r.rule.id == rule_id:
                return r
        raise KeyError(f"policy {self.id} has no rule {rule_id!r}")

    def at(self, day: dt.date | None = None) -> "InForce":
        """The law in force on ``day`` (default: the policy's ``as_of``)."""
        day = day or self.as_of
        if day is None:
            raise PolicyError(f"policy {self.id}: no evaluation date; pass as_of")
        values, law, since = {}, {}, {}
        for name, p in self.parameters.items():
            found = p.on(day)
            if found is None:
                continue
            since[name], law[name] = found[0], found[1]
            values[name] = _apply_override(p, found[1], self.overrides.get(name, _NONE), day)
        active, dormant = [], []
        for r in self.rules:
            if not r.rule.in_force(day):
                dormant.append(r)
                continue
            missing = sorted(n for n in r.params if n not in values)
            if missing:
                first = min(self.parameters[missing[0]].values)
                raise PolicyError(f"policy {self.id}: rule {r.rule.id} is in force on {day} but parameter "
                                  f"{missing[0]} has no value before {first}")
            try:
                cond = push_not(resolve(r.cond, values, r.rule.scope))
            except ConditionError as exc:
                raise PolicyError(f"policy {self.id}: rule {r.rule.id}, {exc}") from None
            active.append(ActiveRule(r.rule, r.policy, cond))
        return InForce(self, day, values, law, since, tuple(active), tuple(dormant))


@dataclass(frozen=True)
class InForce:
    """The law on one day: active rules in policy order (ancestors first) and parameter values."""

    policy: Policy
    day: dt.date
    values: dict[str, Any]
    law_values: dict[str, Any]
    since: dict[str, dt.date]
    rules: tuple[ActiveRule, ...]
    dormant: tuple[RuleDef, ...]

    def scope(self, scope: str) -> list[ActiveRule]:
        return [r for r in self.rules if r.rule.scope == scope]

    def param(self, name: str) -> Any:
        if name not in self.values:
            raise KeyError(f"parameter {name!r} has no value on {self.day} in policy {self.policy.id}")
        return self.values[name]


_NONE = object()


def _apply_override(p: ParameterDef, law_value: Any, override: Any, day: dt.date) -> Any:
    if override is _NONE:
        return law_value
    value = {**(law_value or {}), **override} if p.unit in MAPPING_UNITS else override
    problem = check_value(p.unit, value)
    if problem:
        raise PolicyError(f"reform of {p.name} on {day}: {value!r} {problem}")
    return value
