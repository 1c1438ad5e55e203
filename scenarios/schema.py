"""Declared schemas of the two directories and their vectorised checks.

Both CSV files are read with every column as text, then each column is checked and cast as a whole
(polars expressions, no Python loop over rows). Each failing cell becomes a :class:`Problem` naming
the file, the spreadsheet row (header = row 1) and the column. Extra columns are kept as text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from scenarios.errors import Problem
from scenarios.values.identifiers import key_clashes, normalise_column

__all__ = ["RISK_CLASSES", "SUBJECTS", "OFFICERS", "PAPER_COLUMNS", "DirectorySchema", "check_directory", "MAX_REPORTED"]

RISK_CLASSES = ["A", "B", "C", "D"]
RiskEnum = pl.Enum(RISK_CLASSES)
MAX_REPORTED = 50  # per (file, column, kind of problem); the count of the rest is reported
_TRUE = ["true", "1", "yes", "y", "t"]
_FALSE = ["false", "0", "no", "n", "f"]

Rule = Callable[[pl.Expr], tuple[pl.Expr, pl.Expr, str]]
"""Given the raw text column, return (is_bad, typed value, the code of the message saying what was expected)."""


def _nonempty(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    return col.is_null() | (col.str.strip_chars() == ""), col.str.strip_chars(), "cell.empty"


def _text(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    return pl.lit(False), col.str.strip_chars().fill_null(""), ""


def _list(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    parts = col.fill_null("").str.split(";").list.eval(pl.element().str.strip_chars()).list.eval(
        pl.element().filter(pl.element() != "")
    )
    return pl.lit(False), parts, ""


def _nonempty_list(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    _, parts, _ = _list(col)
    return parts.list.len() == 0, parts, "cell.empty_list"


def _risk(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    norm = col.str.strip_chars().str.to_uppercase()
    bad = norm.is_null() | ~norm.is_in(RISK_CLASSES)
    return bad, norm.cast(RiskEnum, strict=False), "cell.risk_class"


def _bool(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    norm = col.str.strip_chars().str.to_lowercase()
    value = pl.when(norm.is_in(_TRUE)).then(True).when(norm.is_in(_FALSE)).then(False)
    return value.is_null(), value, "cell.boolean"


def _count(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    value = col.str.strip_chars().cast(pl.Int64, strict=False)
    bad = value.is_null() | (value < 0) | (value > 1_000_000)
    return bad, value.cast(pl.Int32, strict=False), "cell.count"


def _phone(col: pl.Expr) -> tuple[pl.Expr, pl.Expr, str]:
    """A telephone number as a firm gives it: digits with + - ( ) spaces, 转/ext/分机 and an extension."""
    value = col.str.strip_chars().fill_null("")
    shape = r"^\+?[0-9][0-9 ()\-]{4,24}((转|ext\.?|x|分机|-)\s*[0-9]{1,6})?$"
    return (value != "") & ~value.str.contains(shape), value, "cell.phone"


@dataclass(frozen=True)
class DirectorySchema:
    """Required columns of one directory, each with its check and cast; ``key`` must be unique. ``optional``
    columns are checked when present (their problems are warnings: they do not stop a plan)."""

    name: str
    columns: dict[str, Rule]
    key: str
    identifiers: tuple[str, ...] = ()
    """Columns read as identifiers (:mod:`scenarios.values.identifiers`): the key and every column that names a grid,
    department, qualification or object type."""
    optional: dict[str, Rule] | None = None

    @property
    def required(self) -> list[str]:
        return list(self.columns)


SUBJECTS = DirectorySchema(
    name="subjects",
    key="subject_id",
    columns={
        "subject_id": _nonempty,
        "name": _nonempty,
        "object_types": _nonempty_list,
        "risk_class": _risk,
        "grid": _text,
        "penalized_3y": _bool,
        "complaints_verified": _count,
    },
    identifiers=("subject_id", "object_types", "grid"),
)

PAPER_COLUMNS = ("address", "contact_person", "contact_phone")
"""A subject's 地址, 负责人 and 联系电话: optional, printed on its task sheet, never planned with (left out of the
content hash, :func:`scenarios.load.canonical_hash`)."""

SUBJECTS = DirectorySchema(name=SUBJECTS.name, key=SUBJECTS.key, columns=SUBJECTS.columns,
                           identifiers=SUBJECTS.identifiers, optional={"address": _text, "contact_person": _text, "contact_phone": _phone})

OFFICERS = DirectorySchema(
    name="officers",
    key="officer_id",
    columns={
        "officer_id": _nonempty,
        "name": _nonempty,
        "department": _nonempty,
        "qualifications": _list,
        "grid": _text,
        "weekly_capacity": _count,
    },
    identifiers=("officer_id", "department", "qualifications", "grid"),
)


def _clip(value: object) -> str:
    """A cell's text as a message quotes it: at most 60 characters."""
    text = "" if value is None else str(value)
    return text[:60] + ("…" if len(text) > 60 else "")


def check_directory(raw: pl.DataFrame, schema: DirectorySchema, file: str) -> tuple[pl.DataFrame | None, list[Problem]]:
    """Check and cast a directory read as text. Returns the typed frame and every problem found.

    ``raw`` carries a ``__row`` column (the spreadsheet row of each record, see
    :func:`scenarios.files.read_csv_text`). The typed frame has the required columns first, in schema
    order, then any extra columns as text, then ``__row``; None when required columns are missing.
    """
    problems: list[Problem] = []
    missing = [c for c in schema.required if c not in raw.columns]
    if missing:
        found = ", ".join(raw.columns) or "none"
        problems.append(
            Problem.of(file, 1, ", ".join(missing), "columns.missing", found=found)
        )
        return None, problems

    rules = {name: rule(pl.col(name)) for name, rule in schema.columns.items()}
    checked = raw.select(
        "__row",
        *[bad.alias(f"__bad_{name}") for name, (bad, _, _) in rules.items()],
        *[pl.col(name).alias(f"__raw_{name}") for name in rules],
    )
    for name, (_, _, code) in rules.items():
        bad_rows = checked.filter(pl.col(f"__bad_{name}")).select("__row", f"__raw_{name}")
        for row, value in bad_rows.head(MAX_REPORTED).iter_rows():
            problems.append(Problem.of(file, row, name, code, value=_clip(value)))
        if bad_rows.height > MAX_REPORTED:
            first = bad_rows["__row"][MAX_REPORTED]
            problems.append(Problem.of(file, first, name, "rows.more", count=bad_rows.height - MAX_REPORTED, first=first))

    key = pl.col(schema.key).str.strip_chars()
    dups = (
        raw.filter(key.is_duplicated() & key.is_not_null() & (key != ""))
        .select("__row", key.alias("__key"))
    )
    first_row = dups.group_by("__key").agg(pl.col("__row").min().alias("__first"))
    dups = dups.join(first_row, on="__key").filter(pl.col("__row") != pl.col("__first")).sort("__row")
    for row, value, first in dups.head(MAX_REPORTED).iter_rows():
        problems.append(Problem.of(file, row, schema.key, "id.duplicate_row", value=_clip(value), first=first))

    problems += key_clashes(raw.with_columns(pl.col(schema.key).str.strip_chars()), schema.key, file)

    optional = {name: rule(pl.col(name)) for name, rule in (schema.optional or {}).items() if name in raw.columns}
    for name, (bad, _, code) in optional.items():
        bad_rows = raw.filter(bad).select("__row", name)
        for row, value in bad_rows.head(MAX_REPORTED).iter_rows():
            problems.append(Problem.of(file, row, name, code, "warning", value=_clip(value)))
        if bad_rows.height > MAX_REPORTED:
            first = bad_rows["__row"][MAX_REPORTED]
            problems.append(Problem.of(file, first, name, "rows.more", "warning", count=bad_rows.height - MAX_REPORTED, first=first))

    extra = [c for c in raw.columns if c not in schema.columns and c != "__row"]
    typed = raw.select(
        *[value.alias(name) for name, (_, value, _) in rules.items()],
        *[optional[c][1].alias(c) if c in optional else pl.col(c) for c in extra],
        pl.col("__row"),
    )
    for column in schema.identifiers:
        typed, found = normalise_column(typed, column, file)
        problems += found
    return typed, problems
