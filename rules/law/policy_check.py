"""Static checks of a merged policy: every parameter value fits its unit; every rule names known facts and
parameters, uses parameters of the right unit, and has message templates that can be filled."""

from __future__ import annotations

import string
from typing import Any

from rules.engine.conditions import Cond, ConditionError, params_used, parse
from rules.engine.vocabulary import SCOPE_FACTS
from rules.law.schema import Effects, ParamRef, Rule
from rules.law.units import MAPPING_UNITS, check_value

__all__ = ["PolicyError", "check_parameter_values", "check_rule", "EFFECT_UNITS"]


class PolicyError(ValueError):
    """A policy file or reform that cannot be used. The message says which file, rule or parameter, and
    what was expected."""


EFFECT_UNITS: dict[str, set[str]] = {
    "multiply": {"factor", "factor_by_class"},
    "mandatory": {"flag"},
    "annual_cap": {"visits_per_year"},
    "min_officers_per_visit": {"officers"},
    "min_officers_per_department": {"officers"},
    "exclude_own_grid": {"flag"},
    "roles": {"roles"},
    "map": {"role_map"},
}
"""The units a parameter must have to be used by each effect (settings accept any unit)."""


def check_parameter_values(file: str, name: str, unit: str, values: dict[Any, Any]) -> None:
    """Raise PolicyError unless every dated value of the parameter fits its unit."""
    for day, value in values.items():
        problem = check_value(unit, value)
        if problem:
            raise PolicyError(f"{file}: parameter {name} on {day}: {value!r} {problem}")


def _param(file: str, rule: Rule, where: str, ref: ParamRef, units: dict[str, str], allowed: set[str] | None) -> None:
    if ref.param not in units:
        raise PolicyError(f"{file}: rule {rule.id}, {where}: unknown parameter {ref.param!r}; "
                          f"known: {', '.join(sorted(units)) or 'none'}")
    unit = units[ref.param]
    if allowed is not None and unit not in allowed:
        raise PolicyError(f"{file}: rule {rule.id}, {where}: parameter {ref.param!r} has unit {unit}, "
                          f"expected {' or '.join(sorted(allowed))}")
    if ref.by is not None:
        facts = SCOPE_FACTS[rule.scope]
        if ref.by not in facts:
            raise PolicyError(f"{file}: rule {rule.id}, {where}: unknown fact {ref.by!r} in 'by'; "
                              f"known: {', '.join(sorted(facts))}")
        if unit not in MAPPING_UNITS:
            raise PolicyError(f"{file}: rule {rule.id}, {where}: 'by' needs a mapping parameter, {ref.param!r} is {unit}")


def _effects(file: str, rule: Rule, units: dict[str, str]) -> set[str]:
    used: set[str] = set()
    then: Effects = rule.then
    for name in ("multiply", "mandatory", "annual_cap", "min_officers_per_visit",
                 "min_officers_per_department", "exclude_own_grid"):
        ref = getattr(then, name)
        if isinstance(ref, ParamRef):
            _param(file, rule, f"then.{name}", ref, units, EFFECT_UNITS[name])
            used.add(ref.param)
    if then.require_roles is not None:
        for part in ("roles", "map"):
            ref = getattr(then.require_roles, part)
            if isinstance(ref, ParamRef):
                _param(file, rule, f"then.require_roles.{part}", ref, units, EFFECT_UNITS[part])
                used.add(ref.param)
    for key, ref in (then.settings or {}).items():
        _param(file, rule, f"then.settings.{key}", ref, units, None)
        used.add(ref.param)
    if then.finding is not None:
        used |= _template(file, rule, then.finding.message, units)
    return used


def _template(file: str, rule: Rule, message: str, units: dict[str, str]) -> set[str]:
    facts = SCOPE_FACTS[rule.scope]
    used: set[str] = set()
    try:
        fields = [f for _, f, _, _ in string.Formatter().parse(message) if f is not None]
    except ValueError as exc:
        raise PolicyError(f"{file}: rule {rule.id}, then.finding.message: {exc}") from None
    for field in fields:
        head, _, rest = field.partition(".")
        head = head.split("[")[0]
        if head == "p":
            name = rest.split(".")[0].split("[")[0]
            if name not in units:
                raise PolicyError(f"{file}: rule {rule.id}, then.finding.message: unknown parameter {name!r} in "
                                  f"{{{field}}}; known: {', '.join(sorted(units)) or 'none'}")
            used.add(name)
        elif head not in facts:
            raise PolicyError(f"{file}: rule {rule.id}, then.finding.message: unknown fact {head!r} in {{{field}}}; "
                              f"a {rule.scope} rule knows {', '.join(sorted(facts))} and p.<parameter>")
    return used


def check_rule(file: str, rule: Rule, units: dict[str, str]) -> tuple[Cond, set[str]]:
    """Parse the rule's condition and check its effects; return the condition and the parameters it uses."""
    try:
        cond = parse(rule.when, rule.scope, "when")
    except ConditionError as exc:
        raise PolicyError(f"{file}: rule {rule.id}, {exc}") from None
    used = params_used(cond)
    unknown = sorted(used - set(units))
    if unknown:
        raise PolicyError(f"{file}: rule {rule.id}, when: unknown parameter {unknown[0]!r}; "
                          f"known: {', '.join(sorted(units)) or 'none'}")
    return cond, used | _effects(file, rule, units)
