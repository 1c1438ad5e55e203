"""Cross-reference checks: every id a scenario uses must exist, and every date must fit the year.

Each check returns Problems located at the YAML line or CSV row that holds the bad reference.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from scenarios.errors import Problem
from scenarios.model import Item, Task
from scenarios.spec import SpecParts
from scenarios.yamlmap import LocatedYaml

__all__ = ["check_references", "check_directories"]


def _duplicates(parts: SpecParts, doc: LocatedYaml, file: str) -> list[Problem]:
    out = []
    for key, elements in parts.lists.items():
        first: dict[str, int] = {}
        for index, element in elements:
            line = doc.line((key, index, "id"))
            if element.id in first:
                out.append(Problem.of(file, line, f"{key}[{element.id}].id", "id.duplicate_yaml", first=first[element.id]))
            else:
                first[element.id] = line or 0
    return out


def _within_year(year: int, day: dt.date) -> bool:
    return day.year == year


def _task_problems(index: int, task: Task, ctx: dict, doc: LocatedYaml, file: str) -> list[Problem]:
    out: list[Problem] = []
    label = f"tasks[{task.id}]"
    at = lambda *path: doc.line(("tasks", index, *path))  # noqa: E731
    departments, invalid = ctx["departments"], ctx["invalid"]

    def unknown_department(dep: str, field: str, line: int | None) -> None:
        if dep not in departments and dep not in invalid["departments"]:
            out.append(Problem.of(file, line, f"{label}.{field}", "ref.unknown_department", department=dep))

    unknown_department(task.lead, "lead", at("lead"))
    seen: set[str] = set()
    for k, partner in enumerate(task.partners):
        unknown_department(partner, "partners", at("partners", k))
        if partner == task.lead:
            out.append(Problem.of(file, at("partners", k), f"{label}.partners", "task.partner_is_lead", partner=partner))
        elif partner in seen:
            out.append(Problem.of(file, at("partners", k), f"{label}.partners", "task.partner_twice", partner=partner))
        seen.add(partner)

    items: dict[str, Item] = ctx["items"]
    for k, item_id in enumerate(task.items):
        item = items.get(item_id)
        if item is None:
            if item_id not in invalid["items"]:
                out.append(Problem.of(file, at("items", k), f"{label}.items", "task.unknown_item", item=item_id))
        elif item.department not in task.departments:
            out.append(Problem.of(file, at("items", k), f"{label}.items", "task.item_department",
                                  item=item_id, department=item.department))
    if len(set(task.items)) != len(task.items):
        out.append(Problem.of(file, at("items"), f"{label}.items", "task.item_twice"))

    object_types: set[str] = ctx["object_types"]
    if task.object_type not in object_types and task.object_type not in invalid["object_types"]:
        code = "task.unknown_object_type_declared" if ctx["declared"] else "task.unknown_object_type_subjects"
        out.append(Problem.of(file, at("object_type"), f"{label}.object_type", code, object_type=task.object_type))

    year = ctx["year"]
    if year is not None:
        for field, day in (("window.start", task.window.start), ("window.end", task.window.end)):
            if not _within_year(year, day):
                out.append(Problem.of(file, at(*field.split(".")), f"{label}.{field}", "date.outside_year", day=day, year=year))
        if task.window_flex is not None:
            flex = task.window_flex
            for field, day in (("window_flex.earliest", flex.earliest), ("window_flex.latest", flex.latest)):
                if not _within_year(year, day):
                    out.append(Problem.of(file, at(*field.split(".")), f"{label}.{field}", "date.outside_year", day=day, year=year))
            if task.window.start < flex.earliest or task.window.end > flex.latest:
                out.append(Problem.of(file, at("window"), f"{label}.window", "task.window_outside_flex",
                                      start=task.window.start, end=task.window.end, earliest=flex.earliest, latest=flex.latest))
    return out


def check_references(parts: SpecParts, doc: LocatedYaml, object_types: set[str], file: str = "scenario.yaml") -> list[Problem]:
    """Ids used in scenario.yaml exist; dates fall in the scenario year; windows sit inside their flex."""
    problems = _duplicates(parts, doc, file)
    departments = {d.id for _, d in parts.lists["departments"]}
    for index, item in parts.lists["items"]:
        if item.department not in departments and item.department not in parts.invalid_ids["departments"]:
            problems.append(Problem.of(file, doc.line(("items", index, "department")), f"items[{item.id}].department",
                                       "ref.unknown_department", department=item.department))
    ctx = {
        "departments": departments,
        "items": {i.id: i for _, i in parts.lists["items"]},
        "object_types": object_types,
        "declared": parts.declared_object_types,
        "invalid": parts.invalid_ids,
        "year": parts.header.year if parts.header else None,
    }
    for index, task in parts.lists["tasks"]:
        problems += _task_problems(index, task, ctx, doc, file)
    return problems


def _rows(frame: pl.DataFrame, value: pl.Expr, field: str, file: str, code: str, limit: int = 50) -> list[Problem]:
    """A Problem for each row where ``value`` is not null (at most ``limit``, then a count from the first
    row not listed)."""
    bad = frame.select("__row", value.alias("__value")).drop_nulls("__value")
    out = [Problem.of(file, row, field, code, value=v) for row, v in bad.head(limit).iter_rows()]
    if bad.height > limit:
        first = bad["__row"][limit]
        out.append(Problem.of(file, first, field, "rows.more", count=bad.height - limit, first=first))
    return out


def check_directories(
    subjects: pl.DataFrame | None,
    officers: pl.DataFrame | None,
    parts: SpecParts,
    subjects_file: str,
    officers_file: str,
    doc: LocatedYaml | None = None,
    spec_file: str = "scenario.yaml",
) -> list[Problem]:
    """Directory rows refer to declared departments and object types; warn where a plan cannot be made.
    A warning no directory row can carry (a department without officers, a qualification nobody holds, a task
    asking for more subjects than exist or for a type no subject has) points at the ``scenario.yaml`` line that asks for it (``doc``)."""
    problems: list[Problem] = []

    def spec_line(*path: str | int) -> int | None:
        return doc.line(path) if doc is not None else None

    departments = {d.id for _, d in parts.lists["departments"]}
    if subjects is not None and parts.declared_object_types:
        declared = [o.id for _, o in parts.lists["object_types"]] + list(parts.invalid_ids["object_types"])
        unknown = pl.col("object_types").list.eval(pl.element().filter(~pl.element().is_in(declared)))
        problems += _rows(subjects, pl.when(unknown.list.len() > 0).then(unknown.list.join(";")), "object_types",
                          subjects_file, "subjects.unknown_object_type")
    if officers is not None:
        if officers.height == 0:
            problems.append(Problem.of(officers_file, 1, "", "officers.none"))
        known = list(departments | parts.invalid_ids["departments"])
        department = pl.col("department")
        problems += _rows(officers, pl.when(~department.is_in(known)).then(department), "department",
                          officers_file, "officers.unknown_department")
        staffed = set(officers["department"].unique().to_list())
        for index, task in parts.lists["tasks"]:
            for dep in task.departments:
                if dep in departments and dep not in staffed:
                    field = "lead" if dep == task.lead else "partners"
                    at = (spec_line("tasks", index, field, task.partners.index(dep)) if field == "partners"
                          else spec_line("tasks", index, field))
                    problems.append(Problem.of(spec_file, at, f"tasks[{task.id}].{field}",
                                               "officers.department_unstaffed", "warning",
                                               department=dep, task=task.id, officers_file=officers_file))
        held = officers.select("department", "qualifications").explode("qualifications").drop_nulls().unique()
        pairs = set(held.iter_rows())
        for index, item in parts.lists["items"]:
            if item.qualification and (item.department, item.qualification) not in pairs:
                problems.append(Problem.of(spec_file, spec_line("items", index, "qualification"),
                                           f"items[{item.id}].qualification", "officers.qualification_missing",
                                           "warning", department=item.department, qualification=item.qualification,
                                           item=item.id, officers_file=officers_file))
    if subjects is not None:
        if subjects.height == 0:
            problems.append(Problem.of(subjects_file, 1, "", "subjects.none"))
        sizes = dict(subjects.select(pl.col("object_types").explode()).group_by("object_types").len().iter_rows())
        for index, task in parts.lists["tasks"]:
            size = sizes.get(task.object_type, 0)
            if size == 0 and parts.declared_object_types:  # (undeclared types: the type is unknown, an error)
                problems.append(Problem.of(spec_file, spec_line("tasks", index, "object_type"),
                                           f"tasks[{task.id}].object_type", "subjects.none_of_type", "warning",
                                           task=task.id, object_type=task.object_type, subjects_file=subjects_file))
            if task.count is not None and 0 < size < task.count:
                problems.append(Problem.of(spec_file, spec_line("tasks", index, "count"), f"tasks[{task.id}].count",
                                           "subjects.too_few", "warning", task=task.id, count=task.count,
                                           object_type=task.object_type, size=size, subjects_file=subjects_file))
    return problems
