"""Read a policy file and its ancestors (``extends``), check them, and apply a reform.

``load_policy(name, overrides=None, as_of=None) -> Policy``. Every problem raises
:class:`rules.law.policy_check.PolicyError` naming the file, the rule or parameter, and what was expected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from rules.law.catalog import POLICY_DIR, known_policies
from rules.law.policy import Document, ParameterDef, Policy, RuleDef
from rules.law.policy_check import PolicyError, check_parameter_values, check_rule
from rules.law.schema import Parameter, PolicyFile
from rules.law.units import MAPPING_UNITS, check_value

__all__ = ["load_policy"]


def _read(path: Path) -> tuple[PolicyFile, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(f"{path.name}: cannot read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{path.name}: not valid YAML: {exc}") from None
    try:
        policy = PolicyFile.model_validate(data)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e["loc"])
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"{path.name}: {loc}: {msg}" if loc else f"{path.name}: {msg}")
        raise PolicyError("\n".join(lines)) from None
    if policy.id != path.stem:
        raise PolicyError(f"{path.name}: id {policy.id!r} must equal the file name {path.stem!r}")
    return policy, text


def _locate(name: str, near: Path | None) -> Path:
    if name.endswith((".yaml", ".yml")) or "/" in name:
        return Path(name)
    if near is not None and (near / f"{name}.yaml").exists():
        return near / f"{name}.yaml"
    if name in known_policies():
        return POLICY_DIR / f"{name}.yaml"
    raise PolicyError(f"unknown policy {name!r}; known: {', '.join(known_policies()) or 'none'}")


def _chain(path: Path) -> list[tuple[PolicyFile, str]]:
    """The file and its ancestors, root first; raises on an extends cycle."""
    seen: list[str] = []
    files: list[tuple[PolicyFile, str]] = []
    while True:
        policy, text = _read(path)
        if policy.id in seen:
            raise PolicyError(f"extends cycle: {' → '.join([*seen, policy.id])}")
        seen.append(policy.id)
        files.append((policy, text))
        if policy.extends is None:
            return files[::-1]
        path = _locate(policy.extends, path.parent)


def _merge_parameters(files: list[tuple[PolicyFile, str]]) -> dict[str, ParameterDef]:
    merged: dict[str, ParameterDef] = {}
    for policy, _ in files:
        file = f"{policy.id}.yaml"
        for name, body in policy.parameters.items():
            base = merged.get(name)
            if base is None and not isinstance(body, Parameter):
                raise PolicyError(f"{file}: parameter {name}: a new parameter needs description, unit and reference")
            if base is not None and body.unit is not None and body.unit != base.unit:
                raise PolicyError(f"{file}: parameter {name}: unit {body.unit} differs from {base.unit} in an ancestor")
            unit = body.unit or base.unit
            reference = body.reference or base.reference
            values = dict(base.values) if base else {}
            raw = {day: v.value for day, v in body.values.items()}
            check_parameter_values(file, name, unit, raw)
            values.update({day: (value, reference, policy.id) for day, value in raw.items()})
            label = (body.label.zh, body.label.en) if body.label else (base.label if base else None)
            merged[name] = ParameterDef(name, body.description or base.description, unit, reference, values, label,
                                        body.description_zh or (base.description_zh if base else None))
    return merged


def _merge_rules(files: list[tuple[PolicyFile, str]], parameters: dict[str, ParameterDef]) -> tuple[RuleDef, ...]:
    units = {name: p.unit for name, p in parameters.items()}
    rules: list[RuleDef] = []
    origin: dict[str, str] = {}
    for policy, _ in files:
        file = f"{policy.id}.yaml"
        for rule in policy.rules:
            if rule.id in origin:
                raise PolicyError(f"{file}: rule id {rule.id} is already defined in {origin[rule.id]}.yaml")
            origin[rule.id] = policy.id
            cond, used = check_rule(file, rule, units)
            rules.append(RuleDef(rule, policy.id, cond, frozenset(used)))
    return tuple(rules)


def _check_overrides(policy_id: str, parameters: dict[str, ParameterDef], overrides: dict[str, Any]) -> dict[str, Any]:
    """Normalise ``{"a.b": v}`` to ``{"a": {"b": v}}`` and check names and (where possible) values."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        name, _, sub = str(key).partition(".")
        if name not in parameters:
            raise PolicyError(f"reform of policy {policy_id}: unknown parameter {name!r}; "
                              f"known: {', '.join(sorted(parameters))}")
        unit = parameters[name].unit
        if sub:
            if unit not in MAPPING_UNITS:
                raise PolicyError(f"reform of policy {policy_id}: {key!r}: parameter {name} ({unit}) has no keys")
            value = {sub: value}
        if unit in MAPPING_UNITS:
            if not isinstance(value, dict):
                raise PolicyError(f"reform of policy {policy_id}: {name}: expected a mapping, got {value!r}")
            out[name] = {**out.get(name, {}), **value}
        else:
            problem = check_value(unit, value)
            if problem:
                raise PolicyError(f"reform of policy {policy_id}: {name}: {value!r} {problem}")
            out[name] = value
    return out


def load_policy(
    name: str | Path,
    overrides: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
) -> Policy:
    """Load policy ``name`` (an id in rules/policies/, or a path to a .yaml file) with its ancestors.

    ``overrides`` is a reform: ``{"general_item_cap": 0.08, "class_multiplier.D": 3}``; a mapping value
    changes only the keys it gives. ``as_of`` fixes the evaluation date (otherwise the engine uses the
    last day of the scenario year, see :func:`rules.evaluate.evaluation_day`). Raises PolicyError.
    """
    path = _locate(str(name), None)
    if not path.exists():
        raise PolicyError(f"policy file {path} not found")
    files = _chain(path)
    parameters = _merge_parameters(files)
    rules = _merge_rules(files, parameters)
    normalised = _check_overrides(files[-1][0].id, parameters, overrides or {})
    digest = hashlib.sha256()
    for _, text in files:
        digest.update(hashlib.sha256(text.encode("utf-8")).digest())
    digest.update(json.dumps(normalised, sort_keys=True, default=str).encode("utf-8"))
    top = files[-1][0]
    policy = Policy(
        id=top.id,
        title=top.title,
        source=top.source,
        in_force=top.in_force,
        chain=tuple(p.id for p, _ in files),
        documents=tuple(Document(p.id, p.title, p.source, p.in_force) for p, _ in files),
        parameters=parameters,
        rules=rules,
        overrides=normalised,
        as_of=as_of,
        digest=digest.hexdigest(),
    )
    if as_of is not None:
        policy.at(as_of)  # fail now, not at evaluation, if the law is incomplete on that day
    return policy
