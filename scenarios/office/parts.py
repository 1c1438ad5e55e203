"""What the builders of the scenario's parts share: the result being built, elements by id or name, problems
located at the office's sheet, row and header."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from pydantic import BaseModel, ValidationError

from scenarios.errors import Problem
from scenarios.messages import describe_error
from scenarios.office.headers import SHEET_BY_ROLE, header_key
from scenarios.office.tables import Table

__all__ = ["Built", "Names", "problem_at", "missing_columns", "unused_columns", "validate_row", "SUBFIELD"]

PLAIN_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
SUBFIELD = {"window": "start", "window_flex": "earliest"}


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


class Names:
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


def problem_at(table: Table, row: int, column: str, code: str, severity: str = "error", **params: Any) -> Problem:
    """A problem at a row of the office's sheet, under the header the office wrote for ``column``."""
    return Problem.of(table.label, row, table.header(column), code, severity, **params)


def missing_columns(table: Table) -> list[Problem]:
    spec = SHEET_BY_ROLE[table.role]
    missing = [c.header for c in spec.columns if c.required and c.field not in table.frame.columns
               and not (table.role in ("departments", "object_types") and c.field == "id")]
    if not missing:
        return []
    found = "、".join(table.headers.values()) or "—"
    return [Problem.of(table.label, table.header_row, "、".join(missing), "office.columns_missing", found=found)]


def unused_columns(table: Table, keep_plain: bool) -> tuple[list[str], list[Problem]]:
    """Columns the scenario has no place for: a plain name (an extra field of the project's own files) is kept,
    any other is reported as not used (a warning: 序号, 备注 …)."""
    spec = SHEET_BY_ROLE[table.role]
    fields = {c.field for c in spec.columns}
    extra = [c for c in table.frame.columns if c not in fields and c != "__row"]
    kept = [c for c in extra if keep_plain and PLAIN_NAME.fullmatch(c)]
    problems = [Problem.of(table.label, table.header_row, table.header(c), "office.column_unused", "warning")
                for c in extra if c not in kept]
    return kept, problems


def validate_row(model: type[BaseModel], data: dict[str, Any], table: Table, row: int, problems: list[Problem]) -> None:
    """The model's own checks of one row; a cell the import already could not read is not reported twice."""
    try:
        model.model_validate(data)
    except ValidationError as exc:
        said = {p.field for p in problems if p.file == table.label and p.row == row}
        for error in exc.errors():
            loc = [str(p) for p in error["loc"]]
            if not loc:  # the model's own rule (exactly one of ratio, count, ratio_by_class)
                head = "ratio"
            elif loc[0] == "ratio_by_class" and len(loc) > 1:
                head = f"ratio_{loc[1]}"
            elif len(loc) == 1:
                head = SUBFIELD.get(loc[0], loc[0])
            else:
                head = loc[1] if loc[0] in SUBFIELD else loc[0]
            if table.header(head) not in said:
                problems.append(problem_at(table, row, head, **describe_error(error)))


