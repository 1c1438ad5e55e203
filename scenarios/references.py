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
                out.append(Problem(file, line, f"{key}[{element.id}].id", f"duplicate id (first at line {first[element.id]})"))
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
            out.append(Problem(file, line, f"{label}.{field}", f"unknown department {dep!r}"))

    unknown_department(task.lead, "lead", at("lead"))
    seen: set[str] = set()
    for k, partner in enumerate(task.partners):
        unknown_department(partner, "partners", at("partners", k))
        if partner == task.lead:
            out.append(Problem(file, at("partners", k), f"{label}.partners", f"{partner!r} is already the lead"))
        elif partner in seen:
            out.append(Problem(file, at("partners", k), f"{label}.partners", f"{partner!r} is listed twice"))
        seen.add(partner)

    items: dict[str, Item] = ctx["items"]
    for k, item_id in enumerate(task.items):
        item = items.get(item_id)
        if item is None:
            if item_id not in invalid["items"]:
                out.append(Problem(file, at("items", k), f"{label}.items",
                                   f"unknown item {item_id!r}: only items on the list may be inspected"))
        elif item.department not in task.departments:
            out.append(Problem(file, at("items", k), f"{label}.items",
                               f"item {item_id!r} belongs to {item.department!r}, which is neither lead nor partner"))
    if len(set(task.items)) != len(task.items):
        out.append(Problem(file, at("items"), f"{label}.items", "an item is listed twice"))

    object_types: set[str] = ctx["object_types"]
    if task.object_type not in object_types and task.object_type not in invalid["object_types"]:
        where = "declared object_types" if ctx["declared"] else "subjects.csv object_types"
        out.append(Problem(file, at("object_type"), f"{label}.object_type",
                           f"unknown object type {task.object_type!r}: not in the {where}"))

    year = ctx["year"]
    if year is not None:
        for field, day in (("window.start", task.window.start), ("window.end", task.window.end)):
            if not _within_year(year, day):
                out.append(Problem(file, at(*field.split(".")), f"{label}.{field}", f"{day} is outside the scenario year {year}"))
        if task.window_flex is not None:
            flex = task.window_flex
            for field, day in (("window_flex.earliest", flex.earliest), ("window_flex.latest", flex.latest)):
                if not _within_year(year, day):
                    out.append(Problem(file, at(*field.split(".")), f"{label}.{field}", f"{day} is outside the scenario year {year}"))
            if task.window.start < flex.earliest or task.window.end > flex.latest:
                out.append(Problem(file, at("window"), f"{label}.window",
                                   f"window {task.window.start}..{task.window.end} is not inside window_flex "
                                   f"{flex.earliest}..{flex.latest}"))
    return out


def check_references(parts: SpecParts, doc: LocatedYaml, object_types: set[str], file: str = "scenario.yaml") -> list[Problem]:
    """Ids used in scenario.yaml exist; dates fall in the scenario year; windows sit inside their flex."""
    problems = _duplicates(parts, doc, file)
    departments = {d.id for _, d in parts.lists["departments"]}
    for index, item in parts.lists["items"]:
        if item.department not in departments and item.department not in parts.invalid_ids["departments"]:
            problems.append(Problem(file, doc.line(("items", index, "department")), f"items[{item.id}].department",
                                    f"unknown department {item.department!r}"))
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


def _rows(frame: pl.DataFrame, value: pl.Expr, field: str, file: str, message: str, limit: int = 50) -> list[Problem]:
    """A Problem for each row where ``value`` is not null (at most ``limit``, then a count)."""
    bad = frame.select("__row", value.alias("__value")).drop_nulls("__value")
    out = [Problem(file, row, field, message.format(value=v)) for row, v in bad.head(limit).iter_rows()]
    if bad.height > limit:
        out.append(Problem(file, None, field, f"{bad.height - limit} more rows with the same problem"))
    return out


def check_directories(
    subjects: pl.DataFrame | None,
    officers: pl.DataFrame | None,
    parts: SpecParts,
    subjects_file: str,
    officers_file: str,
) -> list[Problem]:
    """Directory rows refer to declared departments and object types; warn where a plan cannot be made."""
    problems: list[Problem] = []
    departments = {d.id for _, d in parts.lists["departments"]}
    tasks = [t for _, t in parts.lists["tasks"]]
    if subjects is not None and parts.declared_object_types:
        declared = [o.id for _, o in parts.lists["object_types"]] + list(parts.invalid_ids["object_types"])
        unknown = pl.col("object_types").list.eval(pl.element().filter(~pl.element().is_in(declared)))
        problems += _rows(subjects, pl.when(unknown.list.len() > 0).then(unknown.list.join(";")), "object_types",
                          subjects_file, "unknown object type(s) {value!r}: not in scenario.yaml object_types")
    if officers is not None:
        if officers.height == 0:
            problems.append(Problem(officers_file, None, "", "has no officers"))
        known = list(departments | parts.invalid_ids["departments"])
        department = pl.col("department")
        problems += _rows(officers, pl.when(~department.is_in(known)).then(department), "department",
                          officers_file, "unknown department {value!r}")
        staffed = set(officers["department"].unique().to_list())
        for task in tasks:
            for dep in task.departments:
                if dep in departments and dep not in staffed:
                    problems.append(Problem(officers_file, None, "department",
                                            f"department {dep!r} takes part in task {task.id} but has no officers",
                                            "warning"))
        held = officers.select("department", "qualifications").explode("qualifications").drop_nulls().unique()
        pairs = set(held.iter_rows())
        for _, item in parts.lists["items"]:
            if item.qualification and (item.department, item.qualification) not in pairs:
                problems.append(Problem(officers_file, None, "qualifications",
                                        f"no officer of {item.department!r} holds {item.qualification!r}, "
                                        f"needed by item {item.id}", "warning"))
    if subjects is not None:
        if subjects.height == 0:
            problems.append(Problem(subjects_file, None, "", "has no subjects"))
        sizes = dict(subjects.select(pl.col("object_types").explode()).group_by("object_types").len().iter_rows())
        for task in tasks:
            size = sizes.get(task.object_type, 0)
            if task.count is not None and 0 < size < task.count:
                problems.append(Problem(subjects_file, None, "object_types",
                                        f"task {task.id} asks for {task.count} subjects of {task.object_type!r} "
                                        f"but the directory has {size}: all will be drawn", "warning"))
    return problems
