"""From the office's tables to the project's scenario: ``scenario.yaml``'s lists (:mod:`scenarios.office.lists`),
the subject and officer directories (:mod:`scenarios.office.directories`) and the 场景信息 sheet.

Where a value cannot be read it is written as the office wrote it, so that the loader's own check (run on the
result, :mod:`scenarios.office.importer`) finds every other problem in the same pass.
"""

from __future__ import annotations

import json
from typing import Any

from scenarios.errors import Problem
from scenarios.model import Department, ObjectType
from scenarios.office.directories import officers_frame, subjects_frame
from scenarios.office.headers import INFO_KEYS, header_key
from scenarios.office.lists import items_list, named_list, tasks_list
from scenarios.office.parts import SUBFIELD, Built, Names, missing_columns, problem_at
from scenarios.office.tables import Table
from scenarios.office.values import fold

__all__ = ["Built", "build", "read_info", "SUBFIELD"]


def read_info(table: Table | None) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """The 场景信息 sheet: 项目 / 内容 rows (场景名称, 年度, 政策, 说明 …) → scenario.yaml's scalar fields."""
    if table is None:
        return {}, {}, []
    keys = {header_key(k): field_name for field_name, names in INFO_KEYS.items() for k in (field_name, *names)}
    found: dict[str, Any] = {}
    rows: dict[str, int] = {}
    problems: list[Problem] = []
    if "key" not in table.frame.columns or "value" not in table.frame.columns:
        return {}, {}, missing_columns(table)
    for row, key, value in table.frame.select("__row", "key", "value").iter_rows():
        name = keys.get(header_key(key))
        if name is None:
            problems.append(problem_at(table, row, "key", "office.info_unknown", "warning", value=key or ""))
            continue
        if value is None:
            continue
        if name == "year":
            try:
                value = int(fold(value).removesuffix("年"))
            except ValueError:
                problems.append(problem_at(table, row, "value", "value.not_integer", given=value))
                continue
        elif name == "generator":
            try:
                value = json.loads(value)
            except ValueError:
                problems.append(problem_at(table, row, "value", "office.info_json", value=value))
                continue
        found[name] = value
        rows[name] = row
    return found, rows, problems



def build(tables: dict[str, Table]) -> Built:
    """The scenario's lists and directories from the tables (``spec`` lacks the scalar fields the caller adds)."""
    built = Built({}, None, None, tables)
    departments = Names(named_list(tables.get("departments"), "departments", Department, built))
    types_table = tables.get("object_types")
    types = Names(named_list(types_table, "object_types", ObjectType, built)) if types_table is not None else None
    items = items_list(tables["items"], departments, types, built) if "items" in tables else []
    if "tasks" in tables:
        tasks_list(tables["tasks"], departments, types, items, built)
    if "subjects" in tables:
        subjects_frame(tables["subjects"], types, built)
    if "officers" in tables:
        officers_frame(tables["officers"], departments, built)
    return built

