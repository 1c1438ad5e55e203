"""From the office's tables to the project's scenario: ``scenario.yaml``'s lists, the subject and officer directories.

Departments, object types and items may be named by their 编号 or their 名称 wherever another sheet refers to them;
each is resolved to its id here, and a name that matches nothing is an error naming the sheet, row and header.
Where a value cannot be read it is written as the office wrote it, so that the loader's own check (run on the
result, :mod:`scenarios.office.importer`) finds every other problem in the same pass.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import BaseModel, ValidationError

from scenarios.errors import Problem
from scenarios.messages import describe_error
from scenarios.model import Department, Item, ObjectType, Task
from scenarios.office.headers import INFO_KEYS, SHEET_BY_ROLE, header_key
from scenarios.office.tables import Table
from scenarios.office.values import (
    BadCell,
    bool_expr,
    count_expr,
    fold,
    fold_expr,
    list_expr,
    parse_count,
    parse_date,
    parse_kind,
    parse_ratio,
    risk_expr,
    split_list,
)
from scenarios.schema import MAX_REPORTED, OFFICERS, SUBJECTS

__all__ = ["Built", "build", "read_info"]

_PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SUBFIELD = {"window": "start", "window_flex": "earliest"}


@dataclass
class Built:
    """The scenario as built from the tables, and where each part came from (to place the loader's findings)."""

    spec: dict[str, Any]
    subjects: pl.DataFrame | None
    officers: pl.DataFrame | None
    tables: dict[str, Table]
    rows: dict[str, dict[str, int]] = field(default_factory=dict)  # list → id → row of its sheet
    index_rows: dict[str, list[int]] = field(default_factory=dict)  # list → position → row
    problems: list[Problem] = field(default_factory=list)


class _Names:
    """Elements of one list by id and by name: what another sheet may write to name one."""

    def __init__(self, entries: list[tuple[str, str]]):
        self.ids = [i for i, _ in entries]
        self.by_text: dict[str, str] = {}
        names: dict[str, list[str]] = {}
        for ident, name in entries:
            names.setdefault(name, []).append(ident)
        for ident, _ in entries:
            self.by_text.setdefault(ident, ident)
            self.by_text.setdefault(header_key(ident), ident)
        for name, idents in names.items():
            if len(idents) == 1:
                self.by_text.setdefault(name, idents[0])
                self.by_text.setdefault(header_key(name), idents[0])
        self.names = list(names)
        self.ambiguous = {name: idents for name, idents in names.items() if len(idents) > 1}

    def find(self, text: str) -> str | None:
        return self.by_text.get(text.strip()) or self.by_text.get(header_key(text))


def _problem(table: Table, row: int, column: str, code: str, **params: Any) -> Problem:
    return Problem.of(table.label, row, table.header(column), code, **params)


def _missing_columns(table: Table) -> list[Problem]:
    spec = SHEET_BY_ROLE[table.role]
    missing = [c.header for c in spec.columns if c.required and c.field not in table.frame.columns
               and not (table.role in ("departments", "object_types") and c.field == "id")]
    if not missing:
        return []
    found = "、".join(table.headers.values()) or "—"
    return [Problem.of(table.label, table.header_row, "、".join(missing), "office.columns_missing", found=found)]


def _unused(table: Table, keep_plain: bool) -> tuple[list[str], list[Problem]]:
    """Columns the scenario has no place for: a plain name (an extra field of the project's own files) is kept,
    any other is reported as not used (a warning: 序号, 备注 …)."""
    spec = SHEET_BY_ROLE[table.role]
    fields = {c.field for c in spec.columns}
    extra = [c for c in table.frame.columns if c not in fields and c != "__row"]
    kept = [c for c in extra if keep_plain and _PLAIN_NAME.fullmatch(c)]
    problems = [Problem.of(table.label, table.header_row, table.header(c), "office.column_unused", "warning")
                for c in extra if c not in kept]
    return kept, problems


def _validate(model: type[BaseModel], data: dict[str, Any], table: Table, row: int, problems: list[Problem]) -> None:
    """The model's own checks of one row; a cell the import already could not read is not reported twice."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        said = {p.field for p in problems if p.file == table.label and p.row == row}
        for error in exc.errors():
            loc = [str(p) for p in error["loc"]]
            head = _SUBFIELD.get(loc[0], loc[0]) if len(loc) == 1 else (loc[1] if loc[0] in _SUBFIELD else loc[0])
            if loc and loc[0] == "ratio_by_class" and len(loc) > 1:
                head = f"ratio_{loc[1]}"
            if not loc:  # the model's own rule (exactly one of ratio, count, ratio_by_class)
                head = "ratio"
            if table.header(head) not in said:
                problems.append(_problem(table, row, head, **describe_error(error)))


def _small_list(table: Table, key: str, problems: list[Problem]) -> tuple[list[tuple[int, dict[str, str | None]]], list[str]]:
    """Rows of a small sheet as dicts (field → text or None), with the plain-named extra columns kept."""
    problems += _missing_columns(table)
    kept, unused = _unused(table, keep_plain=True)
    problems += unused
    rows = []
    for record in table.frame.iter_rows(named=True):
        rows.append((record.pop("__row"), record))
    return rows, kept


def _named_list(table: Table | None, key: str, model: type[BaseModel], built: Built) -> list[tuple[str, str]]:
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
            built.problems.append(_problem(table, row, "name", "cell.empty", value=""))
        if ident in seen:
            built.problems.append(_problem(table, row, "id" if record.get("id") else "name", "office.duplicate",
                                           value=ident, first=seen[ident]))
            continue
        seen[ident] = row
        _validate(model, element, table, row, built.problems)
        built.rows.setdefault(key, {})[ident] = row
        built.index_rows.setdefault(key, []).append(row)
        entries.append((ident, name or ident))
        out.append(element)
    built.spec[key] = out
    return entries


def _resolve(names: _Names, text: str | None, table: Table, row: int, column: str, code: str, built: Built) -> str:
    if text is None:
        return ""
    found = names.find(text)
    if found is None:
        if text.strip() in names.ambiguous:
            built.problems.append(_problem(table, row, column, "office.ambiguous_name", value=text,
                                           ids="、".join(names.ambiguous[text.strip()])))
        else:
            built.problems.append(_problem(table, row, column, code, value=text))
        return text
    return found


def _items(table: Table, departments: _Names, types: _Names | None, built: Built) -> list[tuple[str, str, str, str | None]]:
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
            built.problems.append(_problem(table, row, "kind", bad.code, **bad.params))
            element["kind"] = record["kind"]
        element["qualification"] = record.get("qualification") or None
        if record.get("basis"):
            element["basis"] = record["basis"]
        if record.get("object_type"):
            element["object_type"] = (_resolve(types, record["object_type"], table, row, "object_type",
                                               "office.unknown_type", built) if types else record["object_type"])
        element |= {k: record[k] for k in kept if record.get(k) is not None}
        if ident in seen:
            built.problems.append(_problem(table, row, "id", "office.duplicate", value=ident, first=seen[ident]))
            continue
        seen[ident] = row
        _validate(Item, element, table, row, built.problems)
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
                built.problems.append(_problem(table, row, "items", "office.ambiguous_name", value=text, ids="、".join(same)))
            else:
                built.problems.append(_problem(table, row, "items", "office.unknown_item", value=text))
        out.append(found or text)
    return out


def _date(record: dict[str, Any], column: str, table: Table, row: int, built: Built) -> Any:
    text = record.get(column)
    if text is None:
        return None
    try:
        return parse_date(text)
    except BadCell as bad:
        built.problems.append(_problem(table, row, column, bad.code, **bad.params))
        return text


def _tasks(table: Table, departments: _Names, types: _Names | None, items: list[tuple[str, str, str, str | None]],
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
            built.problems.append(_problem(table, row, "id", "office.duplicate", value=ident, first=seen[ident]))
            continue
        seen[ident] = row
        _validate(Task, task, table, row, built.problems)
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
                built.problems.append(_problem(table, row, column, bad.code, **bad.params))
                task[column] = record[column]
    by_class = {}
    for k in "ABCD":
        if record.get(f"ratio_{k}") is not None:
            try:
                by_class[k] = parse_ratio(record[f"ratio_{k}"])
            except BadCell as bad:
                built.problems.append(_problem(table, row, f"ratio_{k}", bad.code, **bad.params))
    if by_class:
        task["ratio_by_class"] = by_class


def _bad_cells(frame: pl.DataFrame, bad: pl.Expr, column: str, table: Table, code: str, value: str | None = None
               ) -> list[Problem]:
    """One problem per row where ``bad`` holds (at most :data:`MAX_REPORTED`, then a count of the rest)."""
    rows = frame.filter(bad).select("__row", pl.col(value or column).alias("__value"))
    out = [_problem(table, row, column, code, value=text or "") for row, text in rows.head(MAX_REPORTED).iter_rows()]
    if rows.height > MAX_REPORTED:
        first = rows["__row"][MAX_REPORTED]
        out.append(_problem(table, first, column, "rows.more", count=rows.height - MAX_REPORTED, first=first))
    return out


def _lookup(names: _Names | None) -> dict[str, str]:
    return dict(names.by_text) if names else {}


def _directory(table: Table, schema_columns: list[str], built: Built) -> tuple[pl.DataFrame | None, list[str]]:
    problems = _missing_columns(table)
    built.problems += problems
    if problems:
        return None, []
    frame = table.frame
    for column in schema_columns:  # an optional column (所属网格, 执法资格) the office left out is empty
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    extra = [c for c in frame.columns if c not in schema_columns and c != "__row"]
    return frame, extra


def _subjects(table: Table, types: _Names | None, built: Built) -> None:
    frame, extra = _directory(table, list(SUBJECTS.columns), built)
    if frame is None:
        return
    lookup = _lookup(types)
    raw_types = pl.col("object_types")
    whole = raw_types.str.strip_chars().replace_strict(lookup, default=None, return_dtype=pl.String) if lookup else pl.lit(None, pl.String)
    parts = list_expr(raw_types, types.names if types else [])
    if lookup:
        parts = parts.list.eval(pl.element().replace(lookup))
    frame = frame.with_columns(
        fold_expr(pl.col("subject_id")).alias("subject_id"),
        pl.when(whole.is_not_null()).then(whole).otherwise(parts.list.join(";")).alias("object_types"),
        pl.coalesce(risk_expr(pl.col("risk_class")), pl.col("risk_class")).alias("risk_class"),
        pl.coalesce(bool_expr(pl.col("penalized_3y")), pl.col("penalized_3y")).alias("penalized_3y"),
        count_expr(pl.col("complaints_verified")).alias("complaints_verified"),
        pl.col("grid").fill_null(""),
    )
    built.problems += _bad_cells(table.frame, risk_expr(pl.col("risk_class")).is_null(), "risk_class", table, "office.risk_class")
    built.problems += _bad_cells(table.frame, bool_expr(pl.col("penalized_3y")).is_null(), "penalized_3y", table, "office.boolean")
    if types is not None:
        unknown = pl.col("object_types").str.split(";").list.eval(pl.element().filter(~pl.element().is_in(types.ids)))
        flagged = frame.with_columns((unknown.list.len() > 0).alias("__unknown"), table.frame["object_types"].alias("__as_written"))
        built.problems += _bad_cells(flagged, pl.col("__unknown"), "object_types", table, "office.unknown_types", "__as_written")
    built.subjects = frame.select(*SUBJECTS.columns, *extra, "__row")


def _officers(table: Table, departments: _Names, built: Built) -> None:
    frame, extra = _directory(table, list(OFFICERS.columns), built)
    if frame is None:
        return
    lookup = _lookup(departments)
    department = pl.col("department").replace_strict(lookup, default=None, return_dtype=pl.String)
    built.problems += _bad_cells(frame, department.is_null() & pl.col("department").is_not_null(), "department", table,
                                 "office.unknown_department")
    frame = frame.with_columns(
        fold_expr(pl.col("officer_id")).alias("officer_id"),
        pl.coalesce(department, pl.col("department")).alias("department"),
        list_expr(pl.col("qualifications")).list.join(";").alias("qualifications"),
        pl.col("grid").fill_null(""),
        count_expr(pl.col("weekly_capacity")).alias("weekly_capacity"),
    )
    built.officers = frame.select(*OFFICERS.columns, *extra, "__row")


def read_info(table: Table | None) -> tuple[dict[str, Any], dict[str, int], list[Problem]]:
    """The 场景信息 sheet: 项目 / 内容 rows (场景名称, 年度, 政策, 说明 …) → scenario.yaml's scalar fields."""
    if table is None:
        return {}, {}, []
    keys = {header_key(k): field_name for field_name, names in INFO_KEYS.items() for k in (field_name, *names)}
    found: dict[str, Any] = {}
    rows: dict[str, int] = {}
    problems: list[Problem] = []
    if "key" not in table.frame.columns or "value" not in table.frame.columns:
        return {}, {}, _missing_columns(table)
    for row, key, value in table.frame.select("__row", "key", "value").iter_rows():
        name = keys.get(header_key(key))
        if name is None:
            problems.append(_problem(table, row, "key", "office.info_unknown", "warning", value=key or ""))
            continue
        if value is None:
            continue
        if name == "year":
            try:
                value = int(fold(value).removesuffix("年"))
            except ValueError:
                problems.append(_problem(table, row, "value", "value.not_integer", given=value))
                continue
        elif name == "generator":
            try:
                value = json.loads(value)
            except ValueError:
                problems.append(_problem(table, row, "value", "office.info_json", value=value))
                continue
        found[name] = value
        rows[name] = row
    return found, rows, problems


def build(tables: dict[str, Table]) -> Built:
    """The scenario's lists and directories from the tables (``spec`` lacks the scalar fields the caller adds)."""
    built = Built({}, None, None, tables)
    departments = _Names(_named_list(tables.get("departments"), "departments", Department, built))
    types_table = tables.get("object_types")
    types = _Names(_named_list(types_table, "object_types", ObjectType, built)) if types_table is not None else None
    items = _items(tables["items"], departments, types, built) if "items" in tables else []
    if "tasks" in tables:
        _tasks(tables["tasks"], departments, types, items, built)
    if "subjects" in tables:
        _subjects(tables["subjects"], types, built)
    if "officers" in tables:
        _officers(tables["officers"], departments, built)
    return built

