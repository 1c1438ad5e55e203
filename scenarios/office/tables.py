"""Reading the office's files into tables of text: an ``.xlsx`` workbook's sheets, or a CSV in UTF-8, UTF-8 with BOM
or GB18030 (detected from the bytes, never guessed: the encoding used is reported).

Every table is a polars frame of text, one column per header (renamed to the scenario's field where the header is
known, see :mod:`scenarios.office.headers`), plus ``__row``: the row as Excel or a text editor numbers it. Rows
above the header (a merged title such as “2024年度部门联合抽查计划”) and blank rows are skipped; cells are trimmed.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from scenarios.errors import Problem
from scenarios.files import MAX_CSV_BYTES, read_csv_text
from scenarios.office.headers import (
    SHEET_BY_ROLE,
    SHEETS,
    Mapping,
    SheetSpec,
    header_key,
)

__all__ = ["Table", "decode", "read_csv_table", "read_workbook", "HEADER_SEARCH_ROWS", "cell_text", "role_of_sheet"]

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


def decode(raw: bytes, label: str) -> tuple[str | None, str, list[Problem]]:
    """The text of a CSV and the encoding it was read in: UTF-8 with BOM, UTF-8, or GB18030 (a superset of GBK and
    GB2312, what Excel saves as “CSV” on Chinese Windows). UTF-16 and bytes that are neither are refused."""
    if raw.startswith(b"\xef\xbb\xbf"):
        encoding, body = "UTF-8-BOM", raw[3:]
        try:
            return body.decode("utf-8"), encoding, []
        except UnicodeDecodeError as exc:
            return None, "", [Problem.of(label, body[: exc.start].count(b"\n") + 1, "", "office.bad_bytes",
                                         encoding="UTF-8 (BOM)", byte=f"{body[exc.start]:02x}")]
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, "", [Problem.of(label, None, "", "office.utf16")]
    try:
        return raw.decode("utf-8"), "UTF-8", []
    except UnicodeDecodeError as exc:
        first = exc.start
    try:
        return raw.decode("gb18030"), "GB18030", []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, "", [Problem.of(label, line, "", "office.unknown_encoding", byte=f"{raw[first]:02x}",
                                     utf8_line=raw[:first].count(b"\n") + 1)]


def _find_header(rows: list[list[Any]], spec: SheetSpec, mapping: Mapping) -> int | None:
    """Index of the header among the first rows: the first with two known headers, or whose every cell is one."""
    known = mapping.lookup(spec.role)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [header_key(c) for c in row if c is not None and str(c).strip()]
        hits = sum(1 for c in cells if c in known)
        if hits >= 2 or (hits and hits == len(cells) and len(spec.columns) <= 2):
            return index
    return None


def _name_columns(header: list[Any], spec: SheetSpec, mapping: Mapping, label: str, row: int
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


def _frame(names: list[str], rows: list[list[str | None]], numbers: list[int]) -> pl.DataFrame:
    width = len(names)
    columns = {name: [r[k] if k < len(r) else None for r in rows] for k, name in enumerate(names)}
    frame = pl.DataFrame({**columns, "__row": numbers},
                         schema={**{n: pl.String for n in names}, "__row": pl.Int64}) if width else pl.DataFrame()
    return frame


def _tidy(frame: pl.DataFrame, label: str, shown: dict[str, str]) -> tuple[pl.DataFrame, list[Problem]]:
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
        return str(int(value)) if value.is_integer() and abs(value) < 1e16 else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def read_csv_table(path: Path, role: str, mapping: Mapping, label: str | None = None) -> tuple[Table | None, list[Problem]]:
    """A CSV of ``role`` as a :class:`Table`, decoded by :func:`decode`; title rows above the header skipped."""
    label = label or path.name
    spec = SHEET_BY_ROLE[role]
    try:
        size = path.stat().st_size
        if size > MAX_CSV_BYTES:
            return None, [Problem.of(label, None, "", "file.too_big", size=size, limit=MAX_CSV_BYTES)]
        raw = path.read_bytes()
    except OSError as exc:
        return None, [Problem.of(label, None, "", "file.unreadable", reason=str(exc.strerror or exc))]
    text, encoding, problems = decode(raw, label)
    del raw
    if text is None:
        return None, problems
    if "\x00" in text:
        return None, [Problem.of(label, text[: text.index("\x00")].count("\n") + 1, "", "file.nul")]
    head_lines = text.split("\n", HEADER_SEARCH_ROWS)[:HEADER_SEARCH_ROWS]
    try:
        head_rows = [next(csv.reader([line.rstrip("\r")]), []) for line in head_lines]
    except csv.Error:
        head_rows = [line.split(",") for line in head_lines]
    at = _find_header(head_rows, spec, mapping)
    if at is None:
        return None, [_no_header(label, spec, mapping)]
    if at:
        offset = sum(len(line) + 1 for line in head_lines[:at])
        text = text[offset:]
    frame, found = read_csv_text(text, label)
    if frame is None:
        return None, [_shift(p, at) for p in found]
    header = list(head_rows[at])
    names, shown, problems = _name_columns(header, spec, mapping, label, at + 1)
    if len(names) != len(frame.columns) - 1:  # the csv module and polars disagree on the header: keep polars'
        names, shown, problems = _name_columns(frame.columns[:-1], spec, mapping, label, at + 1)
    frame = frame.rename(dict(zip(frame.columns[:-1], names, strict=True)))
    if at:
        frame = frame.with_columns(pl.col("__row") + at)
    frame, tidy = _tidy(frame, label, shown)
    return Table(role, label, frame, shown, at + 1, encoding), problems + tidy


def _shift(problem: Problem, lines: int) -> Problem:
    if problem.row is None or not lines:
        return problem
    return Problem(problem.file, problem.row + lines, problem.field, problem.message, problem.severity, problem.code,
                   problem.params)


def _no_header(label: str, spec: SheetSpec, mapping: Mapping) -> Problem:
    expected = "、".join(c.header for c in spec.columns if c.required)
    return Problem.of(label, None, "", "office.no_header", rows=HEADER_SEARCH_ROWS, expected=expected)


def _sheet_rows(sheet: Any) -> list[list[Any]]:
    sheet.reset_dimensions()  # a writer's wrong <dimension> must not cut rows off
    return [list(row) for row in sheet.iter_rows(min_row=1, values_only=True)]


def _holds_formula(sheet: Any) -> bool:
    """Whether a sheet's XML holds a formula (an ``<f>`` element): a scan of its bytes, no parsing."""
    source = sheet._get_source()
    try:
        tail = b""
        for chunk in iter(lambda: source.read(1 << 20), b""):
            if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                return True
            tail = chunk[-3:]
    finally:
        source.close()
    return False


def _formulas(path: Path, title: str) -> set[tuple[int, int]]:
    """Cells (row, column index) holding a formula, read from the workbook's formulas (not their values)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=False)
    try:
        return {(r, c) for r, row in enumerate(_sheet_rows(book[title]), start=1) for c, v in enumerate(row)
                if isinstance(v, str) and v.startswith("=")}
    finally:
        book.close()


def role_of_sheet(title: str, mapping: Mapping | None = None) -> str | None:
    """The role of a sheet (or of a CSV file, by its name without .csv) from its Chinese name or a variant."""
    mapping = mapping or Mapping()
    key = header_key(title)
    for spec in SHEETS:
        names = {header_key(n) for n in (spec.name, *spec.variants)}
        if spec.role in mapping.sheets:
            names.add(header_key(mapping.sheets[spec.role]))
        if key in names:
            return spec.role
    return None


def read_workbook(path: Path, roles: set[str], mapping: Mapping) -> tuple[dict[str, Table], list[str], list[Problem]]:
    """The sheets of an ``.xlsx`` workbook that fill ``roles`` (read-only, values as Excel last calculated them),
    the names of all its sheets, and every problem. An ``.xls`` (Excel 97–2003) is refused: save it as .xlsx."""
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    name = path.name
    if path.suffix.lower() == ".xls":
        return {}, [], [Problem.of(name, None, "", "office.xls")]
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except FileNotFoundError:
        return {}, [], [Problem.of(name, None, "", "file.not_found", path=str(path))]
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        return {}, [], [Problem.of(name, None, "", "office.not_xlsx", reason=str(exc).splitlines()[0] if str(exc) else type(exc).__name__)]
    tables: dict[str, Table] = {}
    problems: list[Problem] = []
    titles = list(book.sheetnames)
    try:
        for title in titles:
            role = role_of_sheet(title, mapping)
            if role is None or role not in roles or role in tables:
                continue
            label = f"{name} › {title}"
            spec = SHEET_BY_ROLE[role]
            rows = _sheet_rows(book[title])
            at = _find_header(rows, spec, mapping)
            if at is None:
                if any(any(c is not None and str(c).strip() for c in r) for r in rows):
                    problems.append(_no_header(label, spec, mapping))
                else:
                    problems.append(Problem.of(label, None, "", "office.sheet_empty"))
                continue
            names, shown, found = _name_columns(rows[at], spec, mapping, label, at + 1)
            problems += found
            body = rows[at + 1:]
            numbers = list(range(at + 2, at + 2 + len(body)))
            # a formula whose result the file does not hold (written by a program, not saved by Excel) reads as empty
            lost = _formulas(path, title) if _holds_formula(book[title]) else set()
            for (r, c) in sorted(lost):
                if r > at + 1 and c < len(names) and rows[r - 1][c] is None:
                    column = shown.get(names[c], names[c])
                    problems.append(Problem.of(label, r, column, "office.formula_no_value"))
            frame = _frame(names, [[cell_text(v) for v in row] for row in body], numbers)
            frame, tidy = _tidy(frame, label, shown)
            tables[role] = Table(role, label, frame, shown, at + 1, "xlsx")
            problems += tidy
    finally:
        book.close()
    return tables, titles, problems
