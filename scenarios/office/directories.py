"""The workbook's directories (检查对象名录, 执法人员名录) as the scenario's subject and officer frames, a column at a
time (polars; no loop over rows): ids folded to half-width, risk classes, 是/否, counts and lists read as offices
write them, departments and types by id or name. A value that cannot be read is kept as written, for the loader's
own check to report with the rest."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from scenarios.errors import Problem
from scenarios.values.identifiers import comparable
from scenarios.office.parts import Built, Names, missing_columns, problem_at
from scenarios.office.tables import Table
from scenarios.office.values import (
    fold_expr,
    read_bool,
    read_count,
    read_risk,
    split_list,
)
from scenarios.schema import MAX_REPORTED, OFFICERS, SUBJECTS

__all__ = ["subjects_frame", "officers_frame"]


def _bad_cells(frame: pl.DataFrame, bad: pl.Expr, column: str, table: Table, code: str, value: str | None = None
               ) -> list[Problem]:
    """One problem per row where ``bad`` holds (at most :data:`MAX_REPORTED`, then a count of the rest)."""
    rows = frame.filter(bad).select("__row", pl.col(value or column).alias("__value"))
    out = [problem_at(table, row, column, code, value=text or "") for row, text in rows.head(MAX_REPORTED).iter_rows()]
    if rows.height > MAX_REPORTED:
        first = rows["__row"][MAX_REPORTED]
        out.append(problem_at(table, first, column, "rows.more", count=rows.height - MAX_REPORTED, first=first))
    return out


_AS_NUMBER = r"^[+-]?\d+(?:\.\d+)?[eE][+-]?\d+$"  # 9.13101E+17: an id Excel stored as a number, digits lost


def _by_value(frame: pl.DataFrame, column: str, read: Callable[[str], str | None]) -> pl.Expr:
    """``read`` applied once per distinct value of a column: a directory's risk classes, 是/否, types and counts
    are a handful of values over up to a million rows. Null where ``read`` gives None (or the cell is empty)."""
    values = frame.get_column(column).drop_nulls().unique().to_list()
    mapping = {value: read(value) for value in values}
    return pl.col(column).replace_strict(mapping, default=None, return_dtype=pl.String)


def _types_reader(types: Names | None) -> Callable[[str], str | None]:
    """检查对象类型 of a subject: one type named whole (a name may hold a separator: 影剧院、游艺厅（室）、卡拉OK厅),
    or several by 编号 or 名称 → ids joined by ";"; None when a part names no type of the 检查对象类型 sheet."""
    def read(text: str) -> str | None:
        if types is None:
            return ";".join(split_list(text))
        whole = types.find(text)
        if whole is not None:
            return whole
        found = [types.find(part) for part in split_list(text, types.names)]
        return None if None in found else ";".join(found)

    return read


def _directory(table: Table, schema_columns: list[str], built: Built) -> tuple[pl.DataFrame | None, list[str]]:
    problems = missing_columns(table)
    built.problems += problems
    if problems:
        return None, []
    frame = table.frame
    for column in schema_columns:  # an optional column (所属网格, 执法资格) the office left out is empty
        if column not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column))
    extra = [c for c in frame.columns if c not in schema_columns and c != "__row"]
    names = [*schema_columns, *extra]  # two headers a reader cannot tell apart (备注, 备注 + a zero-width space), as
    keys = pl.Series("h", names, dtype=pl.String).to_frame().select(comparable(pl.col("h")))["h"].to_list()  # CSV
    seen: dict[str, str] = {}
    for column, key in zip(names, keys, strict=True):
        if key in seen:
            built.problems.append(Problem.of(table.label, table.header_row, table.header(column), "office.column_twice",
                                             first=table.header(seen[key]), target=seen[key]))
        seen.setdefault(key, column)
    return frame, extra


def subjects_frame(table: Table, types: Names | None, built: Built) -> None:
    """检查对象名录 → the subject directory: ids folded to half-width; risk classes, 是/否, types and counts read
    once per distinct value; every cell that cannot be read an error at its row and header."""
    frame, extra = _directory(table, list(SUBJECTS.columns), built)
    if frame is None:
        return
    read = frame.select(
        "__row",
        fold_expr(pl.col("subject_id")).alias("subject_id"),
        _by_value(frame, "object_types", _types_reader(types)).alias("object_types"),
        _by_value(frame, "risk_class", read_risk).alias("risk_class"),
        _by_value(frame, "penalized_3y", read_bool).alias("penalized_3y"),
    )
    built.problems += _bad_cells(frame, read["subject_id"].str.contains(_AS_NUMBER).fill_null(False), "subject_id",
                                 table, "office.id_as_number")
    built.problems += _bad_cells(frame, read["risk_class"].is_null(), "risk_class", table, "office.risk_class")
    built.problems += _bad_cells(frame, read["penalized_3y"].is_null(), "penalized_3y", table, "office.boolean")
    if types is not None:
        unknown = read["object_types"].is_null() & frame["object_types"].is_not_null()
        built.problems += _bad_cells(frame, unknown, "object_types", table, "office.unknown_types")
    frame = frame.with_columns(  # what cannot be read stays as written, for the loader to report with the rest
        read["subject_id"],
        pl.coalesce(read["object_types"], pl.col("object_types")).alias("object_types"),
        pl.coalesce(read["risk_class"], pl.col("risk_class")).alias("risk_class"),
        pl.coalesce(read["penalized_3y"], pl.col("penalized_3y")).alias("penalized_3y"),
        _by_value(frame, "complaints_verified", read_count).alias("complaints_verified"),
        pl.col("grid").fill_null(""),
    )
    built.subjects = frame.select(*SUBJECTS.columns, *extra, "__row")


def officers_frame(table: Table, departments: Names, built: Built) -> None:
    """执法人员名录 → the officer directory: departments by 编号 or 名称, qualifications as a list, counts read."""
    frame, extra = _directory(table, list(OFFICERS.columns), built)
    if frame is None:
        return
    ids = fold_expr(pl.col("officer_id"))
    department = _by_value(frame, "department", departments.find)
    built.problems += _bad_cells(frame, ids.str.contains(_AS_NUMBER).fill_null(False), "officer_id", table,
                                 "office.id_as_number")
    built.problems += _bad_cells(frame, department.is_null() & pl.col("department").is_not_null(), "department", table,
                                 "office.unknown_department")
    frame = frame.with_columns(
        ids.alias("officer_id"),
        pl.coalesce(department, pl.col("department")).alias("department"),
        _by_value(frame, "qualifications", lambda text: ";".join(split_list(text))).fill_null("").alias("qualifications"),
        pl.col("grid").fill_null(""),
        _by_value(frame, "weekly_capacity", read_count).alias("weekly_capacity"),
    )
    built.officers = frame.select(*OFFICERS.columns, *extra, "__row")
