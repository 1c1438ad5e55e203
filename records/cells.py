"""Spreadsheet-safe text: the one function every export uses so no cell from user data runs as a formula.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-``, ``@`` (and full-width ``＝＋－＠``), or a
tab/CR/LF before one (OWASP "CSV injection"). Such text gets a leading apostrophe: Excel and LibreOffice show
it as text, and the apostrophe tells a reader it was escaped. Used by ``publish`` (:mod:`records.publish`),
the app's Excel and CSV exports (:mod:`ui.webapp.exports`) and any command that writes a spreadsheet.
"""

from __future__ import annotations

from typing import Any

import polars as pl

__all__ = ["csv_safe", "safe_frame", "FORMULA_START"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")


def csv_safe(value: Any) -> str:
    """Text for a spreadsheet cell that no spreadsheet will evaluate: a leading apostrophe before formula starts
    (after any leading whitespace)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START) or text.lstrip().startswith(FORMULA_START):
        return "'" + text
    return text


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell (and column name) passed through :func:`csv_safe`; numbers, dates and
    booleans stay typed; list cells are joined with ``、`` first."""
    columns = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.List):
            col = col.cast(pl.List(pl.String)).list.join("、")
        elif dtype not in (pl.String, pl.Categorical, pl.Enum) and not isinstance(dtype, (pl.Categorical, pl.Enum)):
            columns.append(col.alias(csv_safe(name)))
            continue
        columns.append(col.cast(pl.String).map_elements(csv_safe, return_dtype=pl.String, skip_nulls=True).alias(csv_safe(name)))
    return frame.select(columns)
