"""The office's files as tables of text, whatever they came from (a sheet of :mod:`scenarios.office.workbook`, a
CSV of :mod:`scenarios.office.csvfile`).

Every table is a polars frame of text, one column per header (renamed to the scenario's field where the header is
known, see :mod:`scenarios.office.headers`), plus ``__row``: the row as Excel or a text editor numbers it. Rows
above the header (a merged title such as “2024年度部门联合抽查计划”) and blank rows are skipped; cells are trimmed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from scenarios.errors import Problem
from scenarios.office.headers import (
    SHEET_BY_ROLE,
    Mapping,
    SheetSpec,
    header_key,
)

__all__ = ["Table", "HEADER_SEARCH_ROWS", "cell_text", "find_header", "name_columns", "text_frame", "tidy", "no_header"]

HEADER_SEARCH_ROWS = 30
"""The header is looked for in a sheet's first rows (title rows, notes and blank rows above it)."""
_EXCEL_ERRORS = ("#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!", "#GETTING_DATA")


@dataclass
class Table:
    """One sheet or file, read: ``frame`` (text columns + ``__row``), the header each field came from, where."""

    role: str
    label: str  # "计划.xlsx › 检查对象名录" or "检查对象名录.csv": how problems name it
    frame: pl.DataFrame
    headers: dict[str, str] = field(default_factory=dict)  # column of frame → header as the office wrote it
    header_row: int = 1
    encoding: str = ""

    def header(self, column: str) -> str:
        """The office's header of a field (or the template's, when the sheet lacks the column)."""
        if column in self.headers:
            return self.headers[column]
        spec = SHEET_BY_ROLE[self.role]
        return next((c.header for c in spec.columns if c.field == column), column)

def find_header(rows: list[list[Any]], spec: SheetSpec, mapping: Mapping) -> int | None:
    """Index of the header among the first rows: the first with two known headers, or whose every cell is one."""
    known = mapping.lookup(spec.role)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [header_key(c) for c in row if c is not None and str(c).strip()]
        hits = sum(1 for c in cells if c in known)
        if hits >= 2 or (hits and hits == len(cells) and len(spec.columns) <= 2):
            return index
    return None


def name_columns(header: list[Any], spec: SheetSpec, mapping: Mapping, label: str, row: int
                  ) -> tuple[list[str], dict[str, str], list[Problem]]:
    """Column names for a header row: the field of a known header, the header itself for any other; problems for a
    blank header over data, a header given twice, and two headers for one field."""
    known = mapping.lookup(spec.role)
    names: list[str] = []
    shown: dict[str, str] = {}
    problems: list[Problem] = []
    for k, cell in enumerate(header, start=1):
        text = "" if cell is None else str(cell).strip()
        if not text:
            names.append(f"__blank_{k}")
            continue
        target = known.get(header_key(text), text)
        if target in shown:
            problems.append(Problem.of(label, row, text, "office.column_twice", first=shown[target], target=target))
            names.append(f"__twice_{k}")
            continue
        names.append(target)
        shown[target] = text
    return names, shown, problems


def text_frame(names: list[str], rows: list[list[str | None]], numbers: list[int]) -> pl.DataFrame:
    width = len(names)
    columns = {name: [r[k] if k < len(r) else None for r in rows] for k, name in enumerate(names)}
    frame = pl.DataFrame({**columns, "__row": numbers},
                         schema={**{n: pl.String for n in names}, "__row": pl.Int64}) if width else pl.DataFrame()
    return frame


def tidy(frame: pl.DataFrame, label: str, shown: dict[str, str]) -> tuple[pl.DataFrame, list[Problem]]:
    """Trim every cell, drop blank rows, refuse data under a blank header and Excel's error values (#N/A …)."""
    text_columns = [c for c in frame.columns if c != "__row"]
    frame = frame.with_columns(pl.col(text_columns).str.strip_chars())
    frame = frame.with_columns(pl.when(pl.col(c) == "").then(None).otherwise(pl.col(c)).alias(c) for c in text_columns)
    frame = frame.filter(~pl.all_horizontal(pl.col(text_columns).is_null())) if text_columns else frame
    problems: list[Problem] = []
    for column in text_columns:
        if column.startswith(("__blank_", "__twice_")):
            hit = frame.filter(pl.col(column).is_not_null()).head(1)
            if hit.height and column.startswith("__blank_"):
                problems.append(Problem.of(label, int(hit["__row"][0]), f"第 {column[8:]} 列", "office.blank_header",
                                           value=hit[column][0]))
            continue
        bad = frame.filter(pl.col(column).is_in(_EXCEL_ERRORS)).head(20)
        for row, value in bad.select("__row", column).iter_rows():
            problems.append(Problem.of(label, row, shown.get(column, column), "office.excel_error", value=value))
    frame = frame.drop([c for c in text_columns if c.startswith(("__blank_", "__twice_"))])
    return frame, problems


def cell_text(value: Any) -> str | None:
    """A cell as text: numbers without a trailing ``.0``, a date as YYYY-MM-DD, booleans as true/false."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # past 15 digits Excel has already rounded the number (an 18-digit 统一社会信用代码 typed into a number
        # cell): shown as 9.13e+17, which the id columns refuse, rather than as digits that look right
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)



def no_header(label: str, spec: SheetSpec, mapping: Mapping) -> Problem:
    expected = "、".join(c.header for c in spec.columns if c.required)
    return Problem.of(label, None, "", "office.no_header", rows=HEADER_SEARCH_ROWS, expected=expected)


