"""The workbook's directories (检查对象名录, 执法人员名录) as the scenario's subject and officer frames, a column at a
time (polars; no loop over rows): ids folded to half-width, risk classes, 是/否, counts and lists read as offices
write them, departments and types by id or name. A value that cannot be read is kept as written, for the loader's
own check to report with the rest."""

from __future__ import annotations

import polars as pl

from scenarios.errors import Problem
from scenarios.office.parts import Built, Names, missing_columns, problem_at
from scenarios.office.tables import Table
from scenarios.office.values import (
    bool_expr,
    count_expr,
    fold_expr,
    list_expr,
    risk_expr,
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


def _id_as_number(frame: pl.DataFrame, column: str, table: Table) -> list[Problem]:
    return _bad_cells(frame, fold_expr(pl.col(column)).str.contains(_AS_NUMBER).fill_null(False), column, table,
                      "office.id_as_number")


def _lookup(names: Names | None) -> dict[str, str]:
    return dict(names.by_text) if names else {}


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
    return frame, extra


def subjects_frame(table: Table, types: Names | None, built: Built) -> None:
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
    built.problems += _id_as_number(table.frame, "subject_id", table)
    built.problems += _bad_cells(table.frame, risk_expr(pl.col("risk_class")).is_null(), "risk_class", table, "office.risk_class")
    built.problems += _bad_cells(table.frame, bool_expr(pl.col("penalized_3y")).is_null(), "penalized_3y", table, "office.boolean")
    if types is not None:
        unknown = pl.col("object_types").str.split(";").list.eval(pl.element().filter(~pl.element().is_in(types.ids)))
        flagged = frame.with_columns((unknown.list.len() > 0).alias("__unknown"), table.frame["object_types"].alias("__as_written"))
        built.problems += _bad_cells(flagged, pl.col("__unknown"), "object_types", table, "office.unknown_types", "__as_written")
    built.subjects = frame.select(*SUBJECTS.columns, *extra, "__row")


def officers_frame(table: Table, departments: Names, built: Built) -> None:
    frame, extra = _directory(table, list(OFFICERS.columns), built)
    if frame is None:
        return
    built.problems += _id_as_number(frame, "officer_id", table)
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


