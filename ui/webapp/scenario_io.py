"""Scenarios for the app: the bundled ones, and uploads (YAML + CSVs, or YAML + an .xlsx workbook).

Uploads are written to a directory and checked by :func:`scenarios.check_scenario`, so the app reports
exactly what ``jointcheck validate`` reports — every problem with file, row and field, never a traceback.
A workbook sheet becomes the CSV file of the same name (sheet ``subjects`` → ``subjects.csv``); its rows
keep their numbers (the header is row 1 in both), and problems name the workbook and the sheet.
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import polars as pl

from scenarios import Problem, Scenario, check_scenario

__all__ = ["SCENARIO_ROOT", "bundled_scenarios", "materialise_upload", "check_upload", "problems_frame"]

SCENARIO_ROOT = Path(__file__).resolve().parents[2] / "scenarios"
_SCENARIO_SHEETS = ("scenario", "scenario.yaml")


def bundled_scenarios() -> list[str]:
    """Names of the scenario directories shipped in ``scenarios/`` (those holding a scenario.yaml)."""
    return sorted(p.parent.name for p in SCENARIO_ROOT.glob("*/scenario.yaml"))


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _workbook_files(name: str, data: bytes) -> tuple[dict[str, bytes], dict[str, str]]:
    """CSV (or YAML) files from a workbook's sheets, and where each came from (for problem messages)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    files: dict[str, bytes] = {}
    origin: dict[str, str] = {}
    for sheet in book.worksheets:
        title = sheet.title.strip()
        rows = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        while rows and not any(rows[-1]):
            rows.pop()
        if title.lower() in _SCENARIO_SHEETS:
            files["scenario.yaml"] = "\n".join(r[0] if r else "" for r in rows).encode("utf-8")
            origin["scenario.yaml"] = f"{name} › {title}"
            continue
        target = title if title.lower().endswith(".csv") else f"{title}.csv"
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(rows)
        files[target] = buffer.getvalue().encode("utf-8")
        origin[target] = f"{name} › {title}"
    return files, origin


def materialise_upload(uploads: list[tuple[str, bytes]], root: Path | None = None) -> tuple[Path, dict[str, str], list[Problem]]:
    """Write uploaded files into a new directory; a workbook is split into one file per sheet.

    Returns the directory, a map file name → where the planner's file came from (workbook › sheet), and a
    problem for every scenario file that two uploads provide (nothing may silently win over another).
    """
    root = Path(tempfile.mkdtemp(prefix="jointcheck-upload-", dir=root))
    origin: dict[str, str] = {}
    clashes: dict[str, list[str]] = {}
    for name, data in uploads:
        base = Path(name).name
        if base.lower().endswith(".xlsx"):
            files, where = _workbook_files(base, data)
        else:
            target = "scenario.yaml" if base.lower() in ("scenario.yml",) else base
            files, where = {target: data}, {target: base}
        for target, content in files.items():
            if target in origin:
                clashes.setdefault(target, [origin[target]]).append(where[target])
                continue
            (root / target).write_bytes(content)
            origin[target] = where[target]
    problems = [Problem.of(" · ".join(sources), None, target, "upload.clash", n=len(sources), target=target)
                for target, sources in sorted(clashes.items())]
    return root, origin, problems


_OFFICE_ROLES = {"departments", "object_types", "items", "tasks", "officers", "subjects"}


def _office_workbook(uploads: list[tuple[str, bytes]]) -> str | None:
    """The name of an uploaded office workbook (sheets 部门, 年度抽查计划 … as ``jointcheck template`` writes them),
    when no scenario.yaml was uploaded with it."""
    from openpyxl import load_workbook

    from scenarios.office.workbook import role_of_sheet

    names = [Path(n).name for n, _ in uploads]
    if any(n.lower() in ("scenario.yaml", "scenario.yml") for n in names):
        return None
    for name, data in uploads:
        if not name.lower().endswith(".xlsx"):
            continue
        try:
            book = load_workbook(io.BytesIO(data), read_only=True)
        except Exception:  # noqa: BLE001 - not a workbook: the ordinary path reports it
            continue
        titles = book.sheetnames
        book.close()
        if any(t.strip().lower() in _SCENARIO_SHEETS for t in titles):
            continue  # the project's own format in a workbook: a scenario.yaml sheet beside subjects / officers
        if any(role_of_sheet(t) in _OFFICE_ROLES for t in titles):
            return Path(name).name
    return None


def _import_office_upload(uploads: list[tuple[str, bytes]], book: str, root: Path | None
                          ) -> tuple[Scenario | None, list[Problem], dict[str, str]]:
    """The office's workbook (and its CSV or .xlsx files named after a sheet, 检查对象名录.csv …) imported as
    ``jointcheck import`` does: the same problems, by file, sheet, row and header."""
    from scenarios.office import import_office
    from scenarios.office.workbook import role_of_sheet

    folder = Path(tempfile.mkdtemp(prefix="jointcheck-office-", dir=root))
    files: dict[str, Path] = {}
    problems: list[Problem] = []
    for name, data in uploads:
        base = Path(name).name
        (folder / base).write_bytes(data)
        if base == book:
            continue
        role = role_of_sheet(Path(base).stem)
        if role in ("subjects", "officers", "items", "tasks"):
            files[role] = folder / base
        else:
            problems.append(Problem.of(base, None, "", "office.upload_unused", "warning"))
    result = import_office(folder / book, folder / "scenario", files=files)
    read_as = [Problem.of(label, None, "", "file.gb18030", "warning")  # the encoding is said, never guessed silently
               for label, encoding in result.encodings.items() if encoding == "GB18030"]
    found = [Problem.of(f"{book} › 场景信息", None, "", "office.setting_missing_app", **dict(p.params))
             if p.code == "office.setting_missing" else p for p in result.problems]  # the app has no --year
    return result.scenario, problems + read_as + found, {book: book}


def check_upload(uploads: list[tuple[str, bytes]], root: Path | None = None) -> tuple[Scenario | None, list[Problem], dict[str, str]]:
    """Materialise and check an upload; never raises for bad input. Two files for one role are an error.
    An office workbook (:func:`_office_workbook`) is imported as ``jointcheck import`` would."""
    book = _office_workbook(uploads)
    if book is not None:
        return _import_office_upload(uploads, book, root)
    directory, origin, clashes = materialise_upload(uploads, root)
    scenario, problems = check_scenario(directory)
    problems = [p.located(origin.get(p.file, p.file)) for p in problems]
    if clashes:
        return None, clashes + problems, origin
    return scenario, problems, origin


SEVERITY = {"error": ("错误", "error"), "warning": ("警告", "warning")}


def problems_frame(problems: list[Problem], lang: str = "zh") -> pl.DataFrame:
    """Problems as a table (errors first), one row each: file, row, field, message and severity in ``lang``."""
    rows = sorted(problems, key=lambda p: (p.severity != "error", p.file, p.row or 0, p.field))
    return pl.DataFrame(
        {
            "file": [p.file for p in rows],
            "row": [p.row for p in rows],
            "field": [p.field for p in rows],
            "message": [p.text(lang) for p in rows],
            "severity": [SEVERITY[p.severity][lang == "en"] for p in rows],
        },
        schema={"file": pl.String, "row": pl.Int64, "field": pl.String, "message": pl.String, "severity": pl.String},
    )
