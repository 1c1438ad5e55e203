"""Validate ``scenario.yaml`` element by element, so one bad task does not hide the others."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ValidationError

from scenarios.errors import Problem
from scenarios.messages import describe_error
from scenarios.model import (
    Department,
    Item,
    ObjectType,
    ScenarioHeader,
    ScenarioSpec,
    Task,
)
from scenarios.yamlmap import LocatedYaml

__all__ = ["validate_spec", "SpecParts"]

_LISTS: dict[str, type[BaseModel]] = {
    "departments": Department,
    "object_types": ObjectType,
    "items": Item,
    "tasks": Task,
}
_SCALARS = tuple(ScenarioHeader.model_fields)


class SpecParts(BaseModel):
    """The valid elements (with their index in the YAML list) of a possibly invalid spec, and the ids of
    the invalid ones (so references to them do not raise a second, misleading problem)."""

    header: ScenarioHeader | None
    lists: dict[str, list[tuple[int, Any]]]
    invalid_ids: dict[str, set[str]]
    declared_object_types: bool


def _problems(exc: ValidationError, doc: LocatedYaml, prefix: tuple[str | int, ...], label: str, file: str) -> list[Problem]:
    out = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        # errors raised by a model validator carry no field; they concern the element itself
        field = ".".join(str(part) for part in loc) if loc else ""
        where = f"{label}.{field}" if field else label
        out.append(Problem.of(file, doc.line((*prefix, *loc)), where, **describe_error(error)))
    return out


def validate_spec(doc: LocatedYaml, file: str = "scenario.yaml") -> tuple[SpecParts | None, list[Problem]]:
    """Check the document's shape; return its valid parts and a Problem per invalid value."""
    data = doc.data
    if not isinstance(data, dict):
        return None, [Problem.of(file, 1, "", "yaml.not_scenario_mapping")]
    problems: list[Problem] = []
    known = set(ScenarioSpec.model_fields)
    header: ScenarioHeader | None = None
    try:
        header = ScenarioHeader.model_validate({k: data[k] for k in _SCALARS if k in data})
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(Problem.of(file, doc.line(loc), ".".join(map(str, loc)), **describe_error(error)))

    lists: dict[str, list[tuple[int, Any]]] = {}
    invalid: dict[str, set[str]] = {}
    for key, model in _LISTS.items():
        raw = data.get(key)
        lists[key], invalid[key] = [], set()
        if raw is None:
            if key != "object_types":
                problems.append(Problem.of(file, 1, key, "list.missing"))
            continue
        if not isinstance(raw, list):
            problems.append(Problem.of(file, doc.line((key,)), key, "list.not_list", kind=type(raw).__name__))
            continue
        if not raw and key != "object_types":
            problems.append(Problem.of(file, doc.line((key,)), key, "list.empty"))
        for index, element in enumerate(raw):
            ident = element.get("id") if isinstance(element, dict) else None
            label = f"{key}[{ident}]" if isinstance(ident, (str, int)) and ident != "" else f"{key}[{index}]"
            try:
                lists[key].append((index, model.model_validate(element)))
            except ValidationError as exc:
                problems += _problems(exc, doc, (key, index), label, file)
                if ident is not None:
                    invalid[key].add(str(ident))

    for key in data:
        if key not in known:
            problems.append(
                Problem.of(file, doc.line((key,)), str(key), "yaml.unknown_field", "warning")
            )
    parts = SpecParts(
        header=header, lists=lists, invalid_ids=invalid, declared_object_types=data.get("object_types") is not None
    )
    return parts, problems
