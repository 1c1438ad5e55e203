"""Load a scenario directory (``scenario.yaml``, ``subjects.csv``, ``officers.csv``) with every problem reported.

:func:`check_scenario` never raises for bad user input: it returns the scenario (or None) and the
full list of problems, errors and warnings, each naming file, row and field. :func:`load_scenario`
raises :class:`ScenarioError` if there is any error.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import polars as pl

from rules.catalog import known_policies
from scenarios.errors import Problem, ScenarioError
from scenarios.files import read_csv_text, read_text, resolve_inside
from scenarios.model import Scenario, ScenarioSpec
from scenarios.references import check_directories, check_references
from scenarios.schema import OFFICERS, SUBJECTS, DirectorySchema, check_directory
from scenarios.spec import validate_spec
from scenarios.yamlmap import parse_located_yaml

__all__ = ["check_scenario", "load_scenario", "SCENARIO_FILE"]

SCENARIO_FILE = "scenario.yaml"


def _directory(root: Path, name: str | None, schema: DirectorySchema, line: int | None) -> tuple[pl.DataFrame | None, bytes, list[Problem]]:
    if name is None:
        return None, b"", []
    path = resolve_inside(root, name)
    if path is None:
        return None, b"", [Problem(SCENARIO_FILE, line, schema.name,
                                   f"{name!r} must be a file name inside the scenario directory")]
    text, raw, problems = read_text(path, name)
    if text is None:
        return None, raw, problems
    frame, problems = read_csv_text(text, name)
    if frame is None:
        return None, raw, problems
    typed, problems = check_directory(frame, schema, name)
    return typed, raw, problems


def check_scenario(root: str | Path) -> tuple[Scenario | None, list[Problem]]:
    """Read and check a scenario directory; return it (if free of errors) and every problem found."""
    root = Path(root)
    if not root.is_dir():
        return None, [Problem(str(root), None, "", "scenario directory not found")]
    text, yaml_bytes, problems = read_text(root / SCENARIO_FILE, SCENARIO_FILE)
    if text is None:
        return None, problems
    doc, problems = parse_located_yaml(text, SCENARIO_FILE)
    if doc is None:
        return None, problems
    parts, spec_problems = validate_spec(doc, SCENARIO_FILE)
    problems += spec_problems
    if parts is None:
        return None, problems

    header = parts.header
    if header is not None and header.policy not in known_policies():
        problems.append(Problem(SCENARIO_FILE, doc.line(("policy",)), "policy",
                                f"unknown policy {header.policy!r}; known: {', '.join(known_policies()) or 'none'}"))
    subjects_name = header.subjects if header else doc.data.get("subjects", "subjects.csv")
    officers_name = header.officers if header else doc.data.get("officers", "officers.csv")
    subjects, subjects_bytes, found = _directory(root, str(subjects_name), SUBJECTS, doc.line(("subjects",)))
    problems += found
    officers, officers_bytes, found = _directory(root, str(officers_name), OFFICERS, doc.line(("officers",)))
    problems += found

    if parts.declared_object_types:
        object_types = {o.id for _, o in parts.lists["object_types"]}
    elif subjects is not None and "object_types" in subjects.columns:
        object_types = set(subjects["object_types"].explode().drop_nulls().unique().to_list())
    else:
        object_types = set()
    problems += check_references(parts, doc, object_types, SCENARIO_FILE)
    problems += check_directories(subjects, officers, parts, str(subjects_name), str(officers_name))

    if any(p.severity == "error" for p in problems):
        return None, problems
    spec = ScenarioSpec.model_validate(
        {**header.model_dump(), **{key: [e for _, e in elements] for key, elements in parts.lists.items()}}
        | ({} if parts.declared_object_types else {"object_types": None})
    )
    digest = hashlib.sha256()
    for blob in (yaml_bytes, subjects_bytes, officers_bytes):
        digest.update(hashlib.sha256(blob).digest())
    scenario = Scenario(
        root=root.resolve(),
        spec=spec,
        subjects=subjects.drop("__row"),
        officers=officers.drop("__row"),
        content_hash=digest.hexdigest(),
    )
    return scenario, problems


def load_scenario(root: str | Path) -> Scenario:
    """Load a scenario; raise :class:`ScenarioError` listing every error if it has any."""
    scenario, problems = check_scenario(root)
    if scenario is None:
        raise ScenarioError(problems)
    return scenario
