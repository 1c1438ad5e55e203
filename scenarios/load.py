"""Load a scenario directory (``scenario.yaml``, ``subjects.csv``, ``officers.csv``) with every problem reported.

:func:`check_scenario` never raises for bad user input: it returns the scenario (or None) and the
full list of problems, errors and warnings, each naming file, row and field. :func:`load_scenario`
raises :class:`ScenarioError` if there is any error.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from optimizer.progress import step
from rules.law.catalog import known_policies
from scenarios.availability import check_availability
from scenarios.values.credit_code import directory_warnings
from scenarios.errors import Problem, ScenarioError
from scenarios.files import read_csv_text, read_text, resolve_inside
from scenarios.values.identifiers import unify_case
from scenarios.model import PAPER_FIELDS, Scenario, ScenarioSpec
from scenarios.references import check_directories, check_references
from scenarios.schema import OFFICERS, PAPER_COLUMNS, SUBJECTS, DirectorySchema, check_directory
from scenarios.spec import validate_spec
from scenarios.yamlmap import read_located_yaml

__all__ = ["check_scenario", "load_scenario", "SCENARIO_FILE"]

SCENARIO_FILE = "scenario.yaml"


def _read(root: Path, name: str, field: str, line: int | None) -> tuple[pl.DataFrame | None, list[Problem]]:
    """A CSV file of the scenario directory, every column as text, with ``__row``; a GB18030 export loads, with a
    warning naming the encoding."""
    path = resolve_inside(root, name)
    if path is None:
        return None, [Problem.of(SCENARIO_FILE, line, field, "file.bad_name", name=name[:80])]
    text, read = read_text(path, name, gb18030=True)
    if text is None:
        return None, read
    frame, problems = read_csv_text(text, name)
    return frame, read + problems


def _directory(root: Path, name: str, schema: DirectorySchema, line: int | None,
               given: pl.DataFrame | None = None) -> tuple[pl.DataFrame | None, list[Problem]]:
    if given is not None:  # already in memory, as reading the file would give it (jointcheck import)
        return check_directory(given, schema, name)
    frame, problems = _read(root, name, schema.name, line)
    if frame is None:
        return None, problems
    typed, found = check_directory(frame, schema, name)
    return typed, problems + found


def check_scenario(root: str | Path, directories: Mapping[str, pl.DataFrame] | None = None
                   ) -> tuple[Scenario | None, list[Problem]]:
    """Read and check a scenario directory; return it (if free of errors) and every problem found.

    ``directories``: file name → that directory as reading its CSV gives it (text columns and ``__row``), checked
    instead of the file (``jointcheck import`` checks the folder it is writing without reading it back)."""
    root = Path(root)
    given = dict(directories or {})
    doc, problems = read_located_yaml(root, SCENARIO_FILE, "scenario")
    if doc is None:
        return None, problems
    parts, spec_problems = validate_spec(doc, SCENARIO_FILE)
    problems += spec_problems
    if parts is None:
        return None, problems
    step(1, 10)  # progress (optimizer.progress): the directories are most of the reading

    header = parts.header
    if header is not None and header.policy not in known_policies():
        problems.append(Problem.of(SCENARIO_FILE, doc.line(("policy",)), "policy", "policy.unknown",
                                   policy=header.policy, known=", ".join(known_policies()) or "—"))
    subjects_name = header.subjects if header else doc.data.get("subjects", "subjects.csv")
    officers_name = header.officers if header else doc.data.get("officers", "officers.csv")
    subjects, found = _directory(root, str(subjects_name), SUBJECTS, doc.line(("subjects",)), given.get(str(subjects_name)))
    problems += found
    step(5, 10)
    officers, found = _directory(root, str(officers_name), OFFICERS, doc.line(("officers",)), given.get(str(officers_name)))
    problems += found
    step(6, 10)

    if subjects is not None and officers is not None:
        subjects, officers, found = _unify_identifiers(subjects, officers, parts, str(subjects_name), str(officers_name))
        problems += found
    if parts.declared_object_types:
        object_types = {o.id for _, o in parts.lists["object_types"]}
    elif subjects is not None and "object_types" in subjects.columns:
        object_types = set(subjects["object_types"].explode().drop_nulls().unique().to_list())
    else:
        object_types = set()
    problems += check_references(parts, doc, object_types, SCENARIO_FILE)
    problems += check_directories(subjects, officers, parts, str(subjects_name), str(officers_name), doc)
    problems += directory_warnings(subjects, str(subjects_name))  # ids shaped like 统一社会信用代码 (GB 32100-2015)
    step(8, 10)

    availability = None
    if header is not None and header.availability is not None:
        raw, found = _read(root, header.availability, "availability", doc.line(("availability",)))
        problems += found
        if raw is not None:
            availability, found = check_availability(raw, officers, header.year, header.availability)
            problems += found
    if any(p.severity == "error" for p in problems):
        return None, problems
    spec = ScenarioSpec.model_validate(
        {**header.model_dump(), **{key: [e for _, e in elements] for key, elements in parts.lists.items()}}
        | ({} if parts.declared_object_types else {"object_types": None})
    )
    subjects, officers = subjects.drop("__row"), officers.drop("__row")
    scenario = Scenario(
        root=root.resolve(),
        spec=spec,
        subjects=subjects,
        officers=officers,
        content_hash=canonical_hash(spec, subjects, officers, availability),
        availability=availability,
    )
    return scenario, problems


def _unify_identifiers(subjects: pl.DataFrame, officers: pl.DataFrame, parts, subjects_file: str,  # noqa: ANN001
                       officers_file: str) -> tuple[pl.DataFrame, pl.DataFrame, list[Problem]]:
    """Grids, departments, object types and qualifications that differ only in case are one identifier
    (:func:`scenarios.values.identifiers.unify_case`): ``scenario.yaml``'s spelling where it declares one."""
    problems: list[Problem] = []
    (subjects, officers), found = unify_case([(subjects, "grid", subjects_file), (officers, "grid", officers_file)])
    problems += found
    (officers,), found = unify_case([(officers, "department", officers_file)],
                                    [d.id for _, d in parts.lists["departments"]])
    problems += found
    (officers,), found = unify_case([(officers, "qualifications", officers_file)],
                                    sorted({i.qualification for _, i in parts.lists["items"] if i.qualification}))
    problems += found
    declared = [o.id for _, o in parts.lists["object_types"]] if parts.declared_object_types else None
    (subjects,), found = unify_case([(subjects, "object_types", subjects_file)], declared)
    problems += found
    return subjects, officers, problems


def canonical_hash(spec: ScenarioSpec, subjects: pl.DataFrame, officers: pl.DataFrame,
                   availability: pl.DataFrame | None = None) -> str:
    """SHA-256 of the scenario's content, independent of file encoding, BOM, row order and YAML layout.

    It hashes the validated spec as canonical JSON and each directory sorted by its id, written as CSV.
    Reordering subjects.csv leaves it (and therefore the plan seed derived from it) unchanged; changing
    any value changes it — except the letterhead the papers print and nothing plans with (``district``,
    ``authority``, ``seal_text``, ``contact`` of scenario.yaml, :data:`scenarios.model.PAPER_FIELDS`; a
    subject's ``address``, ``contact_person``, ``contact_phone``, :data:`scenarios.schema.PAPER_COLUMNS`):
    adding or correcting them changes no seed, no draw and no plan.
    """
    digest = hashlib.sha256()
    # a scenario without availability hashes as it did before availability existed (its plans' seeds stay)
    exclude = set(PAPER_FIELDS) | ({"availability"} if spec.availability is None else set())
    body = spec.model_dump(mode="json", exclude=exclude)
    digest.update(json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8"))
    frames = [(subjects.drop([c for c in PAPER_COLUMNS if c in subjects.columns]), "subject_id"),
              (officers, "officer_id")]
    if availability is not None:
        frames.append((availability.sort("officer_id", "start", "end", "weekly_capacity"), "officer_id"))
    for frame, key in frames:
        flat = frame.sort(key).with_columns(
            [pl.col(c).list.join(";") for c, dtype in frame.schema.items() if isinstance(dtype, pl.List)]
        )
        digest.update(b"\x00" + flat.write_csv().encode("utf-8"))
    return digest.hexdigest()


def load_scenario(root: str | Path) -> Scenario:
    """Load a scenario; raise :class:`ScenarioError` listing every error if it has any."""
    scenario, problems = check_scenario(root)
    if scenario is None:
        raise ScenarioError(problems)
    return scenario
