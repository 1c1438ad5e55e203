"""``jointcheck import``: the office's workbook (and CSV exports) → a scenario folder, written whole or not at all.

The folder is built in a staging directory (:func:`scenarios.atomic.atomic_directory`) and checked there by the
loader itself (:func:`scenarios.load.check_scenario`, given the directories as the CSVs written read back, so they
are not read twice), so an imported scenario is exactly what ``validate`` accepts. Every problem — the import's own (a risk class it cannot read, a department it cannot find) and the
loader's — is reported at once against the office's file, sheet, Excel row and Chinese header; on any error the
staging directory is removed and ``--out`` is left as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from scenarios.atomic import atomic_directory
from scenarios.errors import Problem
from scenarios.load import check_scenario
from scenarios.model import PAPER_FIELDS, Scenario, ScenarioHeader
from scenarios.office.build import SUBFIELD, Built, build, read_info
from scenarios.office.csvfile import read_csv_table
from scenarios.office.headers import INFO_KEYS, SHEETS, read_mapping
from scenarios.office.tables import Table
from scenarios.office.workbook import read_workbook, role_of_sheet

__all__ = ["ImportResult", "import_office", "read_office", "IMPORT_MARK"]

_SETTINGS = {"name": ("--name", "场景名称", "scenario name"), "year": ("--year", "年度", "year"),
             "policy": ("--policy", "政策", "policy")}
IMPORT_MARK = "# 由 jointcheck import 从 "
"""How a scenario.yaml that ``jointcheck import`` wrote begins (where it came from, for the reader)."""
_FILE_NAME = re.compile(r"[\w\-.]+\.csv")


@dataclass
class ImportResult:
    """What an import did: the scenario (None when refused), every problem, and the encoding each file was read in."""

    scenario: Scenario | None
    problems: list[Problem]
    encodings: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class _Refused(Exception):
    """Raised inside the staging directory to have it removed."""


def _read_file(path: Path, role: str, mapping: Any) -> tuple[Table | None, list[Problem]]:
    """A separate file for one sheet (``--subjects`` …): a CSV, or a workbook whose sheet of that name (or else its
    first sheet) is read."""
    suffix = path.suffix.lower()
    if not path.is_file():
        return None, [Problem.of(path.name, None, "", "file.not_found", path=str(path))]
    if suffix in (".csv", ".txt"):
        return read_csv_table(path, role, mapping)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        tables, titles, problems = read_workbook(path, {role}, mapping)
        if role not in tables and titles and not problems:
            from scenarios.office.headers import Mapping

            alone = Mapping(mapping.headers, {**mapping.sheets, role: titles[0]})
            tables, titles, problems = read_workbook(path, {role}, alone)
        return tables.get(role), problems
    return None, [Problem.of(path.name, None, "", "office.not_table")]


def _unreadable(workbook: Path | None, problems: list[Problem]) -> bool:
    """The workbook itself could not be opened (not a workbook, an .xls, absent): nothing else is worth saying."""
    return workbook is not None and any(p.file == workbook.name and p.row is None and p.code in
                                        ("office.xls", "office.not_xlsx", "file.not_found") for p in problems)


def read_office(workbook: Path | None, files: dict[str, Path], mapping_file: Path | None
                ) -> tuple[dict[str, Table], list[Problem]]:
    """Every table of the office's files: the workbook's sheets, each replaced by a separate file where given."""
    mapping, problems = read_mapping(mapping_file)
    tables: dict[str, Table] = {}
    for role, path in files.items():
        table, found = _read_file(path, role, mapping)
        problems += found
        if table is not None:
            tables[role] = table
    wanted = {s.role for s in SHEETS} - set(files)
    titles: list[str] = []
    if workbook is not None:
        found_tables, titles, found = read_workbook(workbook, wanted, mapping)
        tables |= found_tables
        problems += found
    if _unreadable(workbook, problems):
        return tables, problems
    present = {role_of_sheet(title, mapping) for title in titles}  # there, but unreadable: already said why
    for spec in SHEETS:
        if spec.required and spec.role not in tables and spec.role not in present and spec.role not in files:
            option = spec.option
            code = "office.sheet_missing" if option else "office.sheet_missing_fixed"
            problems.append(Problem.of(workbook.name if workbook else "—", None, spec.name, code, sheet=spec.name,
                                       found="、".join(titles) or "—", option=option))
    return tables, problems


def _settings(given: dict[str, Any], info: dict[str, Any], info_rows: dict[str, int], tables: dict[str, Table]
              ) -> tuple[dict[str, Any], list[Problem]]:
    """name, year, policy (the command's options first, then the 场景信息 sheet) and the sheet's other fields."""
    from rules.law.catalog import known_policies

    problems: list[Problem] = []
    header: dict[str, Any] = {}
    for key, (option, zh, en) in _SETTINGS.items():
        value = given.get(key) if given.get(key) is not None else info.get(key)
        if value is None or value == "":
            problems.append(Problem.of(option, None, "", "office.setting_missing", what=en, what_zh=zh, option=option,
                                       key=INFO_KEYS[key][0]))
        header[key] = value
    known = known_policies()
    if header.get("policy") and header["policy"] not in known:
        where = (tables["info"].label, info_rows["policy"]) if given.get("policy") is None and "policy" in info_rows \
            else ("--policy", None)
        problems.append(Problem.of(where[0], where[1], "政策" if where[1] else "", "policy.unknown",
                                   policy=header["policy"], known=", ".join(known) or "—"))
    for key in ("description", "generator", "risk_scorecard", *PAPER_FIELDS, "subjects", "officers"):
        if key in info and key in ScenarioHeader.model_fields:
            header[key] = info[key]
        elif key in info:  # a letterhead field the scenario format lacks: said, not dropped silently
            problems.append(Problem.of(tables["info"].label, info_rows[key], "项目", "office.info_unknown", "warning",
                                       value=INFO_KEYS[key][0]))
    for key in ("subjects", "officers"):
        if key in header and not _FILE_NAME.fullmatch(str(header[key])):
            problems.append(Problem.of(tables["info"].label, info_rows.get(key), "内容", "file.bad_name", name=str(header[key])))
            header.pop(key)
    return header, problems


def _yaml_text(header: dict[str, Any], built: Built, source: str) -> str:
    spec: dict[str, Any] = {k: header[k] for k in ("name", "year", "policy") if k in header}
    spec |= {k: v for k, v in header.items() if k not in spec}
    for key in ("departments", "object_types", "items", "tasks"):
        if key in built.spec:
            spec[key] = built.spec[key]
    spec.setdefault("subjects", "subjects.csv")
    spec.setdefault("officers", "officers.csv")
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: a 250-item list in 0.05 s, not 0.8
    body = yaml.dump(spec, Dumper=dumper, allow_unicode=True, sort_keys=False, width=120)
    return f"{IMPORT_MARK}{source} 导入 (imported by jointcheck import from {source}).\n{body}"


_LIST_FIELD = re.compile(r"^(departments|object_types|items|tasks)\[(.+?)\](?:\.([A-Za-z_]+))?(?:\.([A-Za-z_]+))?")


def _place(problem: Problem, built: Built, names: dict[str, str]) -> Problem:
    """A loader's problem in the written folder, placed at the office's file, sheet, row and header."""
    def moved(file: str, row: int | None, column: str) -> Problem:
        return Problem(file, row, column, problem.message, problem.severity, problem.code, problem.params)

    for role, frame in (("subjects", built.subjects), ("officers", built.officers)):
        if problem.file == names[role] and role in built.tables and frame is not None:
            table = built.tables[role]
            row = problem.row
            if row is not None and 2 <= row < frame.height + 2:
                row = int(frame["__row"][row - 2])
            elif row == 1:
                row = table.header_row
            column = "、".join(table.header(c.strip()) for c in problem.field.split(",")) if problem.field else ""
            return moved(table.label, row, column)
    if problem.file == "scenario.yaml":
        match = _LIST_FIELD.match(problem.field)
        if match and match[1] in built.tables:
            key, ident, sub, subsub = match.groups()
            table = built.tables[key]
            row = built.rows.get(key, {}).get(ident)
            if row is None and ident.isdigit() and int(ident) < len(built.index_rows.get(key, [])):
                row = built.index_rows[key][int(ident)]
            column = sub or "id"
            if sub in SUBFIELD:
                column = subsub or SUBFIELD[sub]
            elif sub == "ratio_by_class" and subsub:
                column = f"ratio_{subsub}"
            return moved(table.label, row, table.header(column))
        if problem.field in built.tables and problem.field in ("departments", "object_types", "items", "tasks"):
            return moved(built.tables[problem.field].label, None, "")  # the sheet as a whole (no rows)
        if problem.field in _SETTINGS:
            return moved(_SETTINGS[problem.field][0], None, "")
    return problem


def import_office(workbook: Path | None, out: Path, *, name: str | None = None, year: int | None = None,
                  policy: str | None = None, files: dict[str, Path] | None = None, mapping: Path | None = None,
                  overwrite: bool = False) -> ImportResult:
    """Import the office's files into the scenario folder ``out``; see the module docstring. Never raises for bad
    input: a refused import returns no scenario and every problem, and leaves ``out`` untouched."""
    tables, problems = read_office(workbook, dict(files or {}), mapping)
    if _unreadable(workbook, problems):
        return ImportResult(None, _sorted(problems), {})
    encodings = {t.label: t.encoding for t in tables.values() if t.encoding and t.encoding != "xlsx"}
    info, info_rows, found = read_info(tables.get("info"))
    problems += found
    header, found = _settings({"name": name, "year": year, "policy": policy}, info, info_rows, tables)
    problems += found
    built = build(tables)
    problems += built.problems
    complete = all(s.role in tables for s in SHEETS if s.required) and built.subjects is not None and built.officers is not None
    if not complete or any(p.code == "office.setting_missing" for p in problems):
        return ImportResult(None, _sorted(problems), encodings)
    names = {"subjects": str(header.get("subjects", "subjects.csv")), "officers": str(header.get("officers", "officers.csv"))}
    source = workbook.name if workbook is not None else ", ".join(p.name for p in (files or {}).values())
    source = " ".join(source.split())  # one line: it is a YAML comment
    scenario: Scenario | None = None
    made = next((p for p in reversed([out.parent, *out.parent.parents]) if not p.exists()), None)
    try:
        with atomic_directory(out, overwrite=overwrite, mark="scenario") as staging:  # replaces only our own
            (staging / "scenario.yaml").write_text(_yaml_text(header, built, source), encoding="utf-8")
            as_read = {}
            for role in ("subjects", "officers"):
                frame = getattr(built, role).drop("__row")
                frame.write_csv(staging / names[role])
                as_read[names[role]] = _as_read(frame)
            scenario, loaded = check_scenario(staging, as_read)  # the loader's checks, without reading it back
            mine = {(p.file, p.row, p.field) for p in problems if p.severity == "error"}
            for p in loaded:
                placed = _place(p, built, names)
                if (placed.file, placed.row, placed.field) not in mine:
                    problems.append(placed)
            if scenario is None or any(p.severity == "error" for p in problems):
                raise _Refused
    except _Refused:
        _remove_made_parents(out, made)
        return ImportResult(None, _sorted(problems), encodings)
    return ImportResult(scenario.model_copy(update={"root": out.resolve()}), _sorted(problems), encodings)


def _as_read(frame: pl.DataFrame) -> pl.DataFrame:
    """A directory as the loader reads back the CSV written from it (every cell text, an empty one ""), with
    ``__row`` the record's position + 2, through which the loader's findings are placed at the office's rows."""
    return frame.with_columns(pl.col(pl.String).fill_null("")).with_columns(
        pl.int_range(2, frame.height + 2, dtype=pl.Int64).alias("__row"))


def _remove_made_parents(out: Path, made: Path | None) -> None:
    """The folders the staging directory needed that did not exist before: removed again when nothing is written."""
    if made is None:
        return
    for folder in [out.parent, *out.parent.parents]:
        try:
            folder.rmdir()  # only an empty folder; stops at the first that holds something
        except OSError:
            return
        if folder == made:
            return


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.severity != "error", p.file, p.row or 0, p.field, p.message))
