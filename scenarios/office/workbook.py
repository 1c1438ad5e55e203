"""The office's ``.xlsx`` workbook as :class:`Table` s, one per sheet it recognises by name (openpyxl, read-only,
values as Excel last calculated them). A formula whose result the file does not hold, an Excel error value and an
``.xls`` are refused by name; rows keep their Excel numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scenarios.errors import Problem
from scenarios.office.headers import SHEET_BY_ROLE, SHEETS, Mapping, header_key
from scenarios.office.tables import (
    Table,
    cell_text,
    find_header,
    name_columns,
    no_header,
    text_frame,
    tidy,
)

__all__ = ["read_workbook", "role_of_sheet"]


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
            at = find_header(rows, spec, mapping)
            if at is None:
                if any(any(c is not None and str(c).strip() for c in r) for r in rows):
                    problems.append(no_header(label, spec, mapping))
                else:
                    problems.append(Problem.of(label, None, "", "office.sheet_empty"))
                continue
            names, shown, found = name_columns(rows[at], spec, mapping, label, at + 1)
            problems += found
            body = rows[at + 1:]
            numbers = list(range(at + 2, at + 2 + len(body)))
            # a formula whose result the file does not hold (written by a program, not saved by Excel) reads as empty
            lost = _formulas(path, title) if _holds_formula(book[title]) else set()
            for (r, c) in sorted(lost):
                if r > at + 1 and c < len(names) and rows[r - 1][c] is None:
                    column = shown.get(names[c], names[c])
                    problems.append(Problem.of(label, r, column, "office.formula_no_value"))
            frame = text_frame(names, [[cell_text(v) for v in row] for row in body], numbers)
            frame, tidied = tidy(frame, label, shown)
            tables[role] = Table(role, label, frame, shown, at + 1, "xlsx")
            problems += tidied
    finally:
        book.close()
    return tables, titles, problems

