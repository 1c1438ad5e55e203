"""The workbook's small sheets as scenario.yaml's lists: departments, object types, items and tasks, row by row
(a few hundred rows at most). A department, type or item may be named by its 编号 or its 名称; a name that matches
nothing, or several, is an error at its sheet, row and header."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from scenarios.errors import Problem
from scenarios.model import Department, Item, Task
from scenarios.office.headers import header_key
from scenarios.office.parts import (
    Built,
    Names,
    missing_columns,
    problem_at,
    unused_columns,
    validate_row,
)
from scenarios.office.tables import Table
from scenarios.office.values import (
    BadCell,
    fold,
    parse_count,
    parse_date,
    parse_kind,
    parse_ratio,
    split_list,
)

__all__ = ["named_list", "items_list", "tasks_list"]


def _small_list(table: Table, key: str, problems: list[Problem]) -> tuple[list[tuple[int, dict[str, str | None]]], list[str]]:
    """Rows of a small sheet as dicts (field → text or None), with the plain-named extra columns kept."""
    problems += missing_columns(table)
    kept, unused = unused_columns(table, keep_plain=True)
    problems += unused
    rows = []
    for record in table.frame.iter_rows(named=True):
        rows.append((record.pop("__row"), record))
    return rows, kept


def named_list(table: Table | None, key: str, model: type[BaseModel], built: Built) -> list[tuple[str, str]]:
    """Departments or object types: (id, name) per row; an empty 编号 takes the name."""
    if table is None:
        return []
    rows, kept = _small_list(table, key, built.problems)
    entries: list[tuple[str, str]] = []
    seen: dict[str, int] = {}
    out = []
    for row, record in rows:
        name = record.get("name")
        ident = fold(record["id"]) if record.get("id") else (name or "")
        element = {"id": ident, "name": name or ""} | {k: record[k] for k in kept if record.get(k) is not None}
        if not name and model is Department:
            built.problems.append(problem_at(table, row, "name", "cell.empty", value=""))
        if ident in seen:
            built.problems.append(problem_at(table, row, "id" if record.get("id") else "name", "office.duplicate",
                                           value=ident, first=seen[ident]))
            continue
        seen[ident] = row
        validate_row(model, element, table, row, built.problems)
        built.rows.setdefault(key, {})[ident] = row
        built.index_rows.setdefault(key, []).append(row)
        entries.append((ident, name or ident))
        out.append(element)
    built.spec[key] = out
    return entries


def _resolve(names: Names, text: str | None, table: Table, row: int, column: str, code: str, built: Built) -> str:
    if text is None:
        return ""
    found = names.find(text)
    if found is None:
        if text.strip() in names.ambiguous:
            built.problems.append(problem_at(table, row, column, "office.ambiguous_name", value=text,
                                           ids="、".join(names.ambiguous[text.strip()])))
        else:
            built.problems.append(problem_at(table, row, column, code, value=text))
        return text
    return found


def items_list(table: Table, departments: Names, types: Names | None, built: Built) -> list[tuple[str, str, str, str | None]]:
    rows, kept = _small_list(table, "items", built.problems)
    out, entries, seen = [], [], {}
    for row, record in rows:
        ident = fold(record["id"]) if record.get("id") else ""
        element: dict[str, Any] = {"id": ident, "name": record.get("name") or ""}
        element["department"] = _resolve(departments, record.get("department"), table, row, "department",
                                         "office.unknown_department", built)
        try:
            element["kind"] = parse_kind(record["kind"]) if record.get("kind") else None
        except BadCell as bad:
            built.problems.append(problem_at(table, row, "kind", bad.code, **bad.params))
            element["kind"] = record["kind"]
        element["qualification"] = record.get("qualification") or None
        if record.get("basis"):
            element["basis"] = record["basis"]
        if record.get("object_type"):
            element["object_type"] = (_resolve(types, record["object_type"], table, row, "object_type",
                                               "office.unknown_type", built) if types else record["object_type"])
        element |= {k: record[k] for k in kept if record.get(k) is not None}
        if ident in seen:
            built.problems.append(problem_at(table, row, "id", "office.duplicate", value=ident, first=seen[ident]))
            continue
        seen[ident] = row
        validate_row(Item, element, table, row, built.problems)
        built.rows.setdefault("items", {})[ident] = row
        built.index_rows.setdefault("items", []).append(row)
        out.append(element)
        entries.append((ident, element["name"], element["department"], element.get("object_type")))
    built.spec["items"] = out
    return entries


def _item_ids(texts: list[str], items: list[tuple[str, str, str, str | None]], task: dict[str, Any],
              table: Table, row: int, built: Built) -> list[str]:
    """抽查事项 of a task by 编号 or 名称; a name several items share is resolved by the task's departments and
    object type, and is an error if that leaves more than one."""
    by_id = {i: i for i, *_ in items} | {header_key(i): i for i, *_ in items}
    out = []
    for text in texts:
        found = by_id.get(text) or by_id.get(header_key(text))
        if found is None:
            same = [i for i, name, dep, ot in items if name == text or header_key(name) == header_key(text)]
            if len(same) > 1:
                departments = {task.get("lead"), *task.get("partners", [])}
                same = [i for i, name, dep, ot in items if i in same and dep in departments
                        and (ot is None or ot == task.get("object_type"))] or same
            if len(same) == 1:
                found = same[0]
            elif same:
                built.problems.append(problem_at(table, row, "items", "office.ambiguous_name", value=text, ids="、".join(same)))
            else:
                built.problems.append(problem_at(table, row, "items", "office.unknown_item", value=text))
        out.append(found or text)
    return out


def _date(record: dict[str, Any], column: str, table: Table, row: int, built: Built) -> Any:
    text = record.get(column)
    if text is None:
        return None
    try:
        return parse_date(text)
    except BadCell as bad:
        built.problems.append(problem_at(table, row, column, bad.code, **bad.params))
        return text


def tasks_list(table: Table, departments: Names, types: Names | None, items: list[tuple[str, str, str, str | None]],
           built: Built) -> None:
    rows, kept = _small_list(table, "tasks", built.problems)
    out, seen = [], {}
    for row, record in rows:
        ident = fold(record["id"]) if record.get("id") else ""
        task: dict[str, Any] = {"id": ident, "name": record.get("name") or ""}
        resolve = lambda column, code: _resolve(departments, record.get(column), table, row, column, code, built)  # noqa: E731
        task["lead"] = resolve("lead", "office.unknown_department")
        task["partners"] = [_resolve(departments, p, table, row, "partners", "office.unknown_department", built)
                            for p in split_list(record.get("partners"), departments.names)]
        ot = record.get("object_type")
        task["object_type"] = (_resolve(types, ot, table, row, "object_type", "office.unknown_type", built)
                               if types and ot else (ot or ""))
        task["items"] = _item_ids(split_list(record.get("items"), [name for _, name, *_ in items]), items, task, table, row, built)
        task["window"] = {"start": _date(record, "start", table, row, built), "end": _date(record, "end", table, row, built)}
        earliest, latest = _date(record, "earliest", table, row, built), _date(record, "latest", table, row, built)
        if earliest is not None or latest is not None:
            task["window_flex"] = {"earliest": earliest, "latest": latest}
        _sampling(record, task, table, row, built)
        task |= {k: record[k] for k in kept if record.get(k) is not None}
        if ident in seen:
            built.problems.append(problem_at(table, row, "id", "office.duplicate", value=ident, first=seen[ident]))
            continue
        seen[ident] = row
        validate_row(Task, task, table, row, built.problems)
        built.rows.setdefault("tasks", {})[ident] = row
        built.index_rows.setdefault("tasks", []).append(row)
        out.append(task)
    built.spec["tasks"] = out


def _sampling(record: dict[str, Any], task: dict[str, Any], table: Table, row: int, built: Built) -> None:
    """抽查比例 (a percent cell, 5% or 0.05), 抽查户数, or a ratio per risk class (A类抽查比例 …)."""
    for column, parse in (("ratio", parse_ratio), ("count", parse_count)):
        if record.get(column) is not None:
            try:
                task[column] = parse(record[column])
            except BadCell as bad:
                built.problems.append(problem_at(table, row, column, bad.code, **bad.params))
                task[column] = record[column]
    by_class = {}
    for k in "ABCD":
        if record.get(f"ratio_{k}") is not None:
            try:
                by_class[k] = parse_ratio(record[f"ratio_{k}"])
            except BadCell as bad:
                built.problems.append(problem_at(table, row, f"ratio_{k}", bad.code, **bad.params))
    if by_class:
        task["ratio_by_class"] = by_class
    per_class = [f"ratio_{k}" for k in "ABCD"]
    ways = [c for c in ("ratio", "count") if record.get(c) is not None] + (["by_class"] if by_class else [])
    if len(ways) != 1:  # exactly one way to size the draw (Task's own rule, said with the sheet's headers)
        given = [table.header(c) for c in ("ratio", "count", *per_class) if record.get(c) is not None]
        built.problems.append(problem_at(table, row, "ratio", "office.sampling_one", given="、".join(given) or "—"))


