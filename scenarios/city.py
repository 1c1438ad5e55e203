"""A city scenario: district scenario directories plus ``city.yaml`` with the city-wide joint tasks.

沪府发〔2024〕6号 三: "可根据需要组织在全市范围内统一开展联合抽查" — a city may run a joint task across all its
districts. ``city.yaml`` holds the shared policy and year, the districts (directories inside the city
directory, each an ordinary scenario) and the city-wide tasks in the task format of ``scenario.yaml``
(``ratio``, ``ratio_by_class`` or ``count``)::

    name: shanghai-2023
    year: 2023
    policy: shanghai-2024
    districts: [huangpu, xuhui, changning]     # directories holding scenario.yaml, subjects.csv, officers.csv
    tasks:
      - {id: C01, name: 全市加油站联合抽查, lead: SAMR, partners: [FIRE], items: [SAMR10, FIRE01],
         object_type: gas_station, window: {start: 2023-05-01, end: 2023-06-30}, ratio: 0.05}

:func:`check_city` reports every problem of ``city.yaml`` at once, each with file, line and field, like the
district loader; :func:`city_task_problems` checks the city-wide tasks against one loaded district (its
departments, items and object types, its year, its task ids). :func:`with_city_tasks` is the district
scenario a district plan of a city run reads: the district's own tasks plus the city-wide tasks as
``count`` tasks of the district's share, under the city's policy. :func:`write_district_scenario` writes it
as a scenario directory, so that the district can be planned alone with ``jointcheck plan``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from rules.law.catalog import known_policies
from scenarios.errors import Problem
from scenarios.files import resolve_inside
from scenarios.load import SCENARIO_FILE, canonical_hash
from scenarios.messages import describe_error
from scenarios.model import Id, Scenario, ScenarioSpec, Task
from scenarios.yamlmap import read_located_yaml

__all__ = ["CITY_FILE", "CitySpec", "City", "check_city", "is_city", "city_task_problems", "with_city_tasks",
           "write_district_scenario"]

CITY_FILE = "city.yaml"


class CityHeader(BaseModel):
    """The scalar fields of ``city.yaml``."""

    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1, description="City plan name, e.g. shanghai-2023")
    year: int = Field(ge=2000, le=2100, description="Plan year; every district scenario must have it")
    policy: Id = Field(description="The shared policy: every district is planned under it")
    description: str = ""
    generator: dict[str, Any] | None = Field(default=None, description="Provenance of a generated city")
    region: str | None = Field(default=None, min_length=1, max_length=40,
                               description="The city the whole-city papers name, e.g. 上海市")
    authority: str | None = Field(default=None, min_length=1, max_length=80,
                                  description="Issuing unit (编制单位) of the whole-city papers, e.g. 上海市市场监督管理局")
    seal_text: str | None = Field(default=None, min_length=1, max_length=80, description="Words of their seal line")
    contact: str | None = Field(default=None, min_length=1, max_length=120, description="Whom a firm calls about them")


class CitySpec(CityHeader):
    """The content of ``city.yaml``."""

    districts: list[Id] = Field(min_length=1, description="District scenario directories inside the city directory")
    tasks: list[Task] = Field(default_factory=list, description="City-wide tasks, drawn across all districts")


class City(BaseModel):
    """A checked city: its spec, where it is, and the YAML line of every city-wide task field."""

    model_config = ConfigDict(frozen=True)

    root: Path
    spec: CitySpec
    task_lines: dict[str, dict[str, int | None]] = Field(description="task id → field → line in city.yaml")
    year_line: int | None = Field(default=None, description="line of year in city.yaml")

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def districts(self) -> list[str]:
        return list(self.spec.districts)

    def district_dir(self, district: str) -> Path:
        return self.root / district


def is_city(root: str | Path) -> bool:
    """Whether ``root`` is a city directory (holds ``city.yaml``)."""
    return (Path(root) / CITY_FILE).is_file()


def check_city(root: str | Path) -> tuple[City | None, list[Problem]]:
    """Read and check ``city.yaml``; return the city (if free of errors) and every problem found.

    Checked here: the YAML, the header (name, year, policy known), the districts (unique, each a directory
    inside the city directory holding ``scenario.yaml``), each task (as in ``scenario.yaml``) and unique task
    ids. What needs a loaded district (references, year, clashing ids) is :func:`city_task_problems`.
    """
    root = Path(root)
    doc, problems = read_located_yaml(root, CITY_FILE, "city")
    if doc is None:
        return None, problems
    data = doc.data
    if not isinstance(data, dict):
        return None, [*problems, Problem.of(CITY_FILE, 1, "", "yaml.not_city_mapping")]
    header = None
    try:
        header = CityHeader.model_validate({k: data[k] for k in CityHeader.model_fields if k in data})
    except ValidationError as exc:
        for error in exc.errors():
            loc = tuple(error["loc"])
            problems.append(Problem.of(CITY_FILE, doc.line(loc), ".".join(map(str, loc)), **describe_error(error)))
    if header is not None and header.policy not in known_policies():
        problems.append(Problem.of(CITY_FILE, doc.line(("policy",)), "policy", "policy.unknown",
                                   policy=header.policy, known=", ".join(known_policies()) or "—"))

    districts = data.get("districts")
    if not isinstance(districts, list) or not districts:
        problems.append(Problem.of(CITY_FILE, doc.line(("districts",)), "districts", "city.districts_missing"))
        districts = []
    seen: dict[str, int | None] = {}
    for k, entry in enumerate(districts):
        line = doc.line(("districts", k))
        if not isinstance(entry, str) or not entry.strip() or any(c in entry for c in " ;,"):
            problems.append(Problem.of(CITY_FILE, line, f"districts[{k}]", "city.district_not_name", entry=entry))
            continue
        if entry in seen:
            problems.append(Problem.of(CITY_FILE, line, f"districts[{k}]", "city.district_twice", entry=entry, first=seen[entry]))
            continue
        seen[entry] = line
        path = resolve_inside(root, entry)
        if path is None or not (path / SCENARIO_FILE).is_file():
            problems.append(Problem.of(CITY_FILE, line, f"districts[{k}]", "city.district_missing_dir",
                                       entry=entry, scenario_file=SCENARIO_FILE))

    raw_tasks = data.get("tasks", [])
    if not isinstance(raw_tasks, list):
        problems.append(Problem.of(CITY_FILE, doc.line(("tasks",)), "tasks", "list.not_list", kind=type(raw_tasks).__name__))
        raw_tasks = []
    tasks: list[Task] = []
    lines: dict[str, dict[str, int | None]] = {}
    for index, element in enumerate(raw_tasks):
        ident = element.get("id") if isinstance(element, dict) else None
        label = f"tasks[{ident}]" if isinstance(ident, (str, int)) and ident != "" else f"tasks[{index}]"
        try:
            task = Task.model_validate(element)
        except ValidationError as exc:
            for error in exc.errors():
                loc = tuple(error["loc"])
                field = ".".join(str(p) for p in loc)
                problems.append(Problem.of(CITY_FILE, doc.line(("tasks", index, *loc)),
                                           f"{label}.{field}" if field else label, **describe_error(error)))
            continue
        if task.id in lines:
            problems.append(Problem.of(CITY_FILE, doc.line(("tasks", index, "id")), f"{label}.id", "id.duplicate_yaml",
                                       first=lines[task.id]["id"]))
            continue
        fields = ["id", "lead", "partners", "items", "object_type", "window"]
        lines[task.id] = {f: doc.line(("tasks", index, f)) for f in fields}
        if header is not None and not task.window.start.year == task.window.end.year == header.year:
            problems.append(Problem.of(CITY_FILE, lines[task.id]["window"], f"{label}.window", "city.window_outside_year",
                                       start=task.window.start, end=task.window.end, year=header.year))
        tasks.append(task)
    for key in data:
        if key not in CitySpec.model_fields:
            problems.append(Problem.of(CITY_FILE, doc.line((key,)), str(key), "yaml.unknown_field", "warning"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    spec = CitySpec.model_validate({**header.model_dump(), "districts": districts, "tasks": tasks})
    return City(root=root.resolve(), spec=spec, task_lines=lines, year_line=doc.line(("year",))), problems


def city_task_problems(city: City, district: str, scenario: Scenario) -> list[Problem]:
    """The city-wide tasks checked against one district: year, clashing task ids, departments, items, type."""
    out: list[Problem] = []
    if scenario.year != city.spec.year:
        out.append(Problem.of(CITY_FILE, city.year_line, "year", "city.year_differs", year=city.spec.year,
                              district=district, scenario_file=SCENARIO_FILE, district_year=scenario.year))
    own = {t.id for t in scenario.tasks}
    departments, items = scenario.departments, scenario.items
    types = set(scenario.object_type_ids())
    for task in city.spec.tasks:
        at, label = city.task_lines[task.id], f"tasks[{task.id}]"
        if task.id in own:
            out.append(Problem.of(CITY_FILE, at["id"], f"{label}.id", "city.task_id_clash", task=task.id, district=district, scenario_file=SCENARIO_FILE))
        for dep, field in [(task.lead, "lead"), *[(p, "partners") for p in task.partners]]:
            if dep not in departments:
                out.append(Problem.of(CITY_FILE, at[field], f"{label}.{field}", "city.unknown_department", department=dep, district=district, scenario_file=SCENARIO_FILE))
        for item_id in task.items:
            item = items.get(item_id)
            if item is None:
                out.append(Problem.of(CITY_FILE, at["items"], f"{label}.items", "city.unknown_item", item=item_id, district=district, scenario_file=SCENARIO_FILE))
            elif item.department not in task.departments:
                out.append(Problem.of(CITY_FILE, at["items"], f"{label}.items", "city.item_department",
                                      item=item_id, department=item.department, district=district, scenario_file=SCENARIO_FILE))
        if task.object_type not in types:
            out.append(Problem.of(CITY_FILE, at["object_type"], f"{label}.object_type", "city.unknown_object_type",
                                  object_type=task.object_type, district=district, scenario_file=SCENARIO_FILE))
    return out


def with_city_tasks(scenario: Scenario, city: City, shares: dict[str, int]) -> Scenario:
    """The district scenario of a city run: its own tasks, then each city-wide task with a positive share as a
    ``count`` task of that share (in city.yaml order), all under the city's policy. Its content hash is what
    loading :func:`write_district_scenario`'s directory gives, so its plan seed is the same."""
    added = [
        Task.model_validate({**task.model_dump(exclude_none=True, exclude={"ratio", "ratio_by_class", "count"}),
                             "count": shares[task.id]})
        for task in city.spec.tasks if shares.get(task.id, 0) > 0
    ]
    body = scenario.spec.model_dump(mode="json", exclude_none=True)
    body["policy"] = city.spec.policy
    body["tasks"] = [*body["tasks"], *[t.model_dump(mode="json", exclude_none=True) for t in added]]
    spec = ScenarioSpec.model_validate(body)
    return Scenario(root=scenario.root, spec=spec, subjects=scenario.subjects, officers=scenario.officers,
                    content_hash=canonical_hash(spec, scenario.subjects, scenario.officers, scenario.availability),
                    availability=scenario.availability)


def write_district_scenario(scenario: Scenario, out: str | Path) -> Path:
    """Write ``scenario`` (e.g. from :func:`with_city_tasks`) as a scenario directory: its ``scenario.yaml``
    and copies of the directories it was loaded from. Loading it gives the same content hash."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=False)
    body = scenario.spec.model_dump(mode="json", exclude_none=True)
    (out / SCENARIO_FILE).write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")
    for name in (scenario.spec.subjects, scenario.spec.officers):
        shutil.copyfile(scenario.root / name, out / name)
    return out
