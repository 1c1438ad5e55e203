"""Identifiers as a person reads them: ids, grids, departments, qualifications and object types.

Two identifiers that read the same are the same. Each is compared after Unicode NFKC (full-width ``Ｇ１`` is
``G1``), with every format character (category Cf: zero-width space and joiners, BOM, bidirectional marks and
isolates, invisible operators) and every other default-ignorable code point (combining grapheme joiner, variation
selectors, Hangul fillers) removed, and case folded (``g1`` is ``G1``). Otherwise an invisible character would let
an officer into their own grid (回避, ``所所交叉``) or make one firm two.

In the directories:

* every identifier cell is rewritten to its **readable form** (NFKC, the invisible characters removed), with a
  warning naming the row and field when that changed it;
* two **keys** (``subject_id``, ``officer_id``) that read the same apart from case are an error naming both rows;
* a grid, department, object type or qualification spelt with other case than elsewhere is rewritten to one
  spelling — the one ``scenario.yaml`` declares, else the first in sort order — with a warning naming the row.

All of it is vectorised (polars: Rust's Unicode tables for NFKC and the character properties).
"""

from __future__ import annotations

import unicodedata

import polars as pl

from scenarios.errors import Problem

__all__ = ["readable", "comparable", "shown", "normalise_column", "key_clashes", "unify_case", "MAX_REPORTED"]

MAX_REPORTED = 50
INVISIBLE = r"[\p{Cf}\p{Default_Ignorable_Code_Point}]"


def readable(expr: pl.Expr) -> pl.Expr:
    """An identifier as it reads: NFKC, without format or other default-ignorable characters, trimmed."""
    return expr.str.normalize("NFKC").str.replace_all(INVISIBLE, "").str.strip_chars()


def comparable(expr: pl.Expr) -> pl.Expr:
    """What two identifiers must differ in to be different: the readable form, case folded."""
    return readable(expr).str.to_lowercase()


def shown(text: str) -> str:
    """``text`` with every character a reader cannot see written as ``\\uXXXX`` (the Chinese messages quote
    values with “”, not Python's repr, which escapes them already)."""
    return "".join(c if c.isprintable() and not unicodedata.category(c) == "Cf" else f"\\u{ord(c):04x}" for c in text)


def _report(rows: pl.DataFrame, file: str, field: str, code: str, severity: str = "warning") -> list[Problem]:
    """A problem per row of ``rows`` (``__row``, ``value``, ``fixed``), at most :data:`MAX_REPORTED`, then a count."""
    out = [Problem.of(file, row, field, code, severity, value=value, fixed=fixed, value_zh=shown(value))
           for row, value, fixed in rows.select("__row", "value", "fixed").head(MAX_REPORTED).iter_rows()]
    if rows.height > MAX_REPORTED:
        first = rows["__row"][MAX_REPORTED]
        out.append(Problem.of(file, first, field, "rows.more", severity, count=rows.height - MAX_REPORTED, first=first))
    return out


def normalise_column(frame: pl.DataFrame, column: str, file: str) -> tuple[pl.DataFrame, list[Problem]]:
    """``column`` (text, or a list of texts) in its readable form; a warning for each row it changed."""
    is_list = isinstance(frame.schema[column], pl.List)
    fixed = (pl.col(column).list.eval(readable(pl.element()).filter(pl.element() != ""))
             if is_list else readable(pl.col(column)))
    view = frame.select("__row", pl.col(column).alias("value"), fixed.alias("fixed"))
    changed = view.filter(pl.col("value").is_not_null() & (pl.col("value") != pl.col("fixed")))
    if changed.height == 0:
        return frame, []
    if is_list:
        changed = changed.with_columns(pl.col("value").list.join(";"), pl.col("fixed").list.join(";"))
    return frame.with_columns(fixed.alias(column)), _report(changed, file, column, "id.normalised")


def key_clashes(frame: pl.DataFrame, key: str, file: str) -> list[Problem]:
    """Rows whose ``key`` reads as an earlier row's but is spelt otherwise (case): an error naming both rows.
    (Exact repeats are :func:`scenarios.schema.check_directory`'s ``id.duplicate_row``.)"""
    ids = frame.select("__row", pl.col(key).alias("value")).filter(pl.col("value").is_not_null() & (pl.col("value") != ""))
    ids = ids.with_columns(comparable(pl.col("value")).alias("__key"))
    first = ids.sort("__row").group_by("__key", maintain_order=True).agg(
        pl.col("__row").first().alias("__first"), pl.col("value").first().alias("__first_id"))
    clash = (ids.join(first, on="__key").filter((pl.col("__row") != pl.col("__first"))
                                                  & (pl.col("value") != pl.col("__first_id"))).sort("__row"))
    return [Problem.of(file, row, key, "id.lookalike_clash", value=value, first_id=first_id, first_row=first_row,
                       value_zh=shown(value), first_id_zh=shown(first_id))
            for row, value, first_id, first_row in clash.select("__row", "value", "__first_id", "__first")
            .head(MAX_REPORTED).iter_rows()]


def unify_case(frames: list[tuple[pl.DataFrame, str, str]], declared: list[str] | None = None
               ) -> tuple[list[pl.DataFrame], list[Problem]]:
    """One spelling for values that differ only in case, across several (frame, column, file): the ``declared``
    spelling (``scenario.yaml``'s ids) where one reads the same, else the first in sort order. A warning for each
    row rewritten."""
    spellings: list[pl.Series] = []
    for frame, column, _ in frames:
        values = frame.get_column(column)
        spellings.append((values.explode() if isinstance(values.dtype, pl.List) else values).drop_nulls())
    every = pl.concat([pl.Series("value", declared or [], dtype=pl.String), *[s.rename("value") for s in spellings]])
    table = pl.DataFrame({"value": every}).unique().with_columns(comparable(pl.col("value")).alias("__key"))
    is_declared = pl.col("value").is_in(declared or [])
    choice = table.sort([is_declared.not_(), "value"]).group_by("__key", maintain_order=True).agg(
        pl.col("value").first().alias("chosen"))
    table = table.join(choice, on="__key").filter(pl.col("value") != pl.col("chosen"))
    if table.height == 0:
        return [frame for frame, _, _ in frames], []
    mapping = dict(table.select("value", "chosen").iter_rows())
    out, problems = [], []
    for frame, column, file in frames:
        is_list = isinstance(frame.schema[column], pl.List)
        fixed = (pl.col(column).list.eval(pl.element().replace(mapping)) if is_list
                 else pl.col(column).replace(mapping))
        view = frame.select("__row", pl.col(column).alias("value"), fixed.alias("fixed"))
        changed = view.filter(pl.col("value") != pl.col("fixed"))
        if changed.height:
            if is_list:
                changed = changed.with_columns(pl.col("value").list.join(";"), pl.col("fixed").list.join(";"))
            problems += _report(changed, file, column, "id.case_unified")
            frame = frame.with_columns(fixed.alias(column))
        out.append(frame)
    return out, problems
