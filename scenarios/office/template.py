"""``jointcheck template``: the workbook an office fills in — its sheets and Chinese headers, an instructions sheet,
drop-down lists (departments, object types, risk classes, 重点/一般, 是/否) — and, given a scenario, its data, so that
importing the template of a scenario gives back the same scenario (same content hash, so the same draw).

Written in openpyxl's write-only mode (rows streamed: a 60,000-subject directory fits in little memory), into a
temporary file renamed into place when complete (:func:`scenarios.atomic.atomic_file`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import polars as pl

from scenarios.atomic import atomic_file
from scenarios.model import PAPER_FIELDS, Scenario
from scenarios.office.headers import INFO_KEYS, SHEET_BY_ROLE, SUBJECT_EXTRAS, Column
from scenarios.office.values import SEPARATORS
from scenarios.schema import OFFICERS, SUBJECTS

__all__ = ["write_template", "INSTRUCTIONS"]

_DATA_ROWS = 1_048_576  # a drop-down covers the whole column, as far as Excel's sheet goes
_RISK_SHOWN = {"A": "A类", "B": "B类", "C": "C类", "D": "D类"}
_KIND_SHOWN = {"key": "重点", "general": "一般"}

INSTRUCTIONS: list[tuple[str, str]] = [
    ("jointcheck 场景工作簿", "jointcheck scenario workbook"),
    ("填好各工作表后运行：jointcheck import 本文件.xlsx --out 场景目录（年度、政策、场景名称可在“场景信息”表填写，或用 --year --policy --name 给出）。",
     "Fill in the sheets, then run: jointcheck import THIS.xlsx --out SCENARIO_DIR (year, policy and name on sheet 场景信息, "
     "or --year --policy --name)."),
    ("表头在第 1 行；表头上方可有标题行，空行会被跳过。列的顺序不限；表头可用常见写法（如“企业名称”或“名称”）。",
     "Headers in row 1; title rows above the header and blank rows are skipped. Columns in any order; common header "
     "variants are accepted."),
    ("部门、检查对象类型、抽查事项可以写编号，也可以写名称；多个值用 、 ， , ; 或换行分隔。",
     "Departments, object types and items by 编号 or 名称; several values separated by 、 ， , ; or line breaks."),
    ("信用风险分类：A–D、A类–D类，或 低风险/一般风险/较高风险/高风险。近三年受过行政处罚：是/否。",
     "Risk class: A–D, A类–D类 or 低风险/一般风险/较高风险/高风险. Penalised in 3 years: 是 (yes) / 否 (no)."),
    ("抽查比例写百分比（5%）或小数（0.05），与抽查户数二选一；也可按风险分类填 A类…D类抽查比例。日期写日期单元格或 2024-03-01。",
     "Ratio as a percentage (5%) or a decimal (0.05), or a number of subjects (抽查户数), or a ratio per risk class. "
     "Dates as date cells or 2024-03-01."),
    ("任何错误都会列出文件、工作表、行号和表头；有错误时不会写出任何文件。",
     "Every error is listed with file, sheet, row and header; nothing is written while there is an error."),
]


def _sheet(book: Any, title: str, columns: list[Column], widths: dict[str, int] | None = None) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    sheet = book.create_sheet(title)
    for k, column in enumerate(columns, start=1):
        letter = _letter(k)
        sheet.column_dimensions[letter].width = (widths or {}).get(column.field, max(12, 2 * len(column.header) + 4))
    sheet.freeze_panes = "A2"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    head = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.header)
        cell.font, cell.fill = bold, fill
        head.append(cell)
    sheet.append(head)
    return sheet


def _letter(k: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(k)


def _dropdown(sheet: Any, columns: list[Column], field: str, formula: str, prompt: str) -> None:
    """A drop-down list on a column; a value outside it is allowed with a warning (ids as well as names)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    fields = [c.field for c in columns]
    if field not in fields:
        return
    letter = _letter(fields.index(field) + 1)
    rule = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True, errorStyle="warning",
                          promptTitle="", prompt=prompt, showInputMessage=bool(prompt))
    rule.add(f"{letter}2:{letter}{_DATA_ROWS}")
    sheet.data_validations.append(rule)


def _shown(entries: list[tuple[str, str]]) -> dict[str, str]:
    """How other sheets name each element: its name when that names it alone (unique, not another's id, no
    separator inside), else its id."""
    ids = {i for i, _ in entries}
    count: dict[str, int] = {}
    for _, name in entries:
        count[name] = count.get(name, 0) + 1
    return {i: name if name and count[name] == 1 and (name not in ids or name == i) and not re.search(SEPARATORS, name)
            else i for i, name in entries}


def _cells(sheet: Any, values: list[Any]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell

    out = []
    for value in values:
        if isinstance(value, dt.date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            out.append(cell)
        elif isinstance(value, _Percent):
            cell = WriteOnlyCell(sheet, value=float(value))
            cell.number_format = "0%" if round(float(value) * 100, 9).is_integer() else "0.0###%"
            out.append(cell)
        else:
            out.append(value)
    return out


class _Percent(float):
    """A ratio shown as a percent cell (the value stays the exact float)."""


def _extras(elements: Iterable[Any], known: set[str]) -> list[str]:
    """Extra fields the scenario's elements carry (in first-seen order) that the sheet has no column for."""
    out: list[str] = []
    for element in elements:
        for key in (element.model_extra or {}):
            if key not in known and key not in out:
                out.append(key)
    return out


def _text(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float)) else json.dumps(value, ensure_ascii=False)


def _info_rows(scenario: Scenario | None) -> list[list[Any]]:
    if scenario is None:
        return [[INFO_KEYS["name"][0], None], [INFO_KEYS["year"][0], None], [INFO_KEYS["policy"][0], None],
                [INFO_KEYS["description"][0], None]]
    spec = scenario.spec
    rows = [[INFO_KEYS["name"][0], spec.name], [INFO_KEYS["year"][0], spec.year], [INFO_KEYS["policy"][0], spec.policy],
            [INFO_KEYS["description"][0], spec.description or None]]
    if spec.generator is not None:
        rows.append([INFO_KEYS["generator"][0], json.dumps(spec.generator, ensure_ascii=False, sort_keys=True)])
    if spec.risk_scorecard is not None:
        rows.append([INFO_KEYS["risk_scorecard"][0], spec.risk_scorecard])
    for key in PAPER_FIELDS:  # the letterhead the papers print (not part of the content hash)
        value = getattr(spec, key, None)
        if value:
            rows.append([INFO_KEYS[key][0], value])
    if spec.subjects != "subjects.csv":
        rows.append([INFO_KEYS["subjects"][0], spec.subjects])
    if spec.officers != "officers.csv":
        rows.append([INFO_KEYS["officers"][0], spec.officers])
    return rows


def _columns(role: str, fields: list[str]) -> list[Column]:
    spec = SHEET_BY_ROLE[role]
    known = {c.field: c for c in spec.columns}
    return [known.get(f) or Column(f, f, (), False) for f in fields]


def _directory_rows(frame: pl.DataFrame, fields: list[str], shown: dict[str, dict[str, str]]) -> Iterator[list[Any]]:
    """The rows of a directory as cells, vectorised into text first (no per-cell work beyond openpyxl's own)."""
    exprs = []
    for field in fields:
        col = pl.col(field)
        dtype = frame.schema[field]
        if field == "object_types":
            exprs.append(col.list.eval(pl.element().replace(shown.get("object_types", {}))).list.join("、"))
        elif field == "qualifications":
            exprs.append(col.list.join("、"))
        elif field == "risk_class":
            exprs.append(col.cast(pl.String).replace(_RISK_SHOWN))
        elif field == "penalized_3y":
            exprs.append(pl.when(col).then(pl.lit("是")).otherwise(pl.lit("否")))
        elif field == "department":
            exprs.append(col.replace(shown.get("departments", {})))
        elif dtype in (pl.Int32, pl.Int64):
            exprs.append(col)
        else:
            exprs.append(pl.when(col == "").then(None).otherwise(col))
    table = frame.select([e.alias(f) for e, f in zip(exprs, fields, strict=True)])
    for row in table.iter_rows():
        yield list(row)


def write_template(out: Path, scenario: Scenario | None = None) -> None:
    """Write the workbook (see the module docstring) to ``out``, replacing it."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    guide = book.create_sheet("填写说明")
    guide.column_dimensions["A"].width = 100
    guide.column_dimensions["B"].width = 100
    from openpyxl.cell import WriteOnlyCell

    for k, (zh, en) in enumerate(INSTRUCTIONS):
        row = []
        for text in (zh, en):
            cell = WriteOnlyCell(guide, value=text)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if k == 0:
                cell.font = Font(bold=True, size=14)
            row.append(cell)
        guide.append(row)
    guide.append([])
    guide.append(["工作表与列（* 为必填）", "Sheets and columns (* required)"])
    for role in ("departments", "object_types", "items", "tasks", "officers", "subjects"):
        spec = SHEET_BY_ROLE[role]
        cols = "、".join(c.header + ("*" if c.required else "") for c in spec.columns if role != "subjects" or c not in SUBJECT_EXTRAS[3:])
        guide.append([f"{spec.name}：{cols}", spec.help or None])

    info = _sheet(book, "场景信息", list(SHEET_BY_ROLE["info"].columns), {"key": 18, "value": 80})
    for row in _info_rows(scenario):
        info.append(row)

    spec = scenario.spec if scenario is not None else None
    dep_entries = [(d.id, d.name) for d in spec.departments] if spec else []
    type_entries = [(o.id, o.name) for o in spec.object_types] if spec and spec.object_types is not None else []
    shown = {"departments": _shown(dep_entries), "object_types": _shown(type_entries)}
    departments = _sheet(book, "部门", list(SHEET_BY_ROLE["departments"].columns), {"name": 28})
    for ident, name in dep_entries:
        departments.append([ident, name])
    with_types = spec is None or spec.object_types is not None
    if with_types:
        types = _sheet(book, "检查对象类型", list(SHEET_BY_ROLE["object_types"].columns), {"name": 36})
        for ident, name in type_entries:
            types.append([ident, name])
    dep_list = f"'部门'!$B$2:$B${max(len(dep_entries) + 200, 200)}"
    type_list = f"'检查对象类型'!$B$2:$B${max(len(type_entries) + 200, 200)}"

    item_fields = [c.field for c in SHEET_BY_ROLE["items"].columns]
    item_extra = _extras(spec.items, set(item_fields)) if spec else []
    item_cols = _columns("items", item_fields + item_extra)
    items = _sheet(book, "抽查事项清单", item_cols, {"name": 36, "basis": 40})
    _dropdown(items, item_cols, "department", dep_list, "部门名称或编号")
    _dropdown(items, item_cols, "kind", '"重点,一般"', "重点 或 一般")
    if with_types:
        _dropdown(items, item_cols, "object_type", type_list, "")
    for item in spec.items if spec else []:
        extra = item.model_extra or {}
        values = {"id": item.id, "name": item.name, "department": shown["departments"].get(item.department, item.department),
                  "kind": _KIND_SHOWN[item.kind.value], "qualification": item.qualification,
                  "basis": _text(extra.get("basis")),
                  "object_type": shown["object_types"].get(extra["object_type"], extra["object_type"])
                  if isinstance(extra.get("object_type"), str) else _text(extra.get("object_type"))}
        values |= {k: _text(extra.get(k)) for k in item_extra}
        items.append(_cells(items, [values.get(c.field) for c in item_cols]))

    task_fields = [c.field for c in SHEET_BY_ROLE["tasks"].columns]
    task_extra = _extras(spec.tasks, set(task_fields) | {"window", "window_flex", "ratio_by_class", "partners"}) if spec else []
    task_cols = _columns("tasks", task_fields + task_extra)
    tasks = _sheet(book, "年度抽查计划", task_cols, {"name": 36, "items": 30, "partners": 20})
    _dropdown(tasks, task_cols, "lead", dep_list, "部门名称或编号")
    if with_types:
        _dropdown(tasks, task_cols, "object_type", type_list, "")
    for task in spec.tasks if spec else []:
        extra = task.model_extra or {}
        values = {"id": task.id, "name": task.name, "lead": shown["departments"].get(task.lead, task.lead),
                  "partners": "、".join(shown["departments"].get(p, p) for p in task.partners) or None,
                  "items": "、".join(task.items),
                  "object_type": shown["object_types"].get(task.object_type, task.object_type),
                  "start": task.window.start, "end": task.window.end,
                  "ratio": _Percent(task.ratio) if task.ratio is not None else None, "count": task.count}
        if task.window_flex is not None:
            values |= {"earliest": task.window_flex.earliest, "latest": task.window_flex.latest}
        for risk, ratio in (task.ratio_by_class or {}).items():
            values[f"ratio_{risk.value}"] = _Percent(ratio)
        values |= {k: _text(extra.get(k)) for k in task_extra}
        tasks.append(_cells(tasks, [values.get(c.field) for c in task_cols]))

    officer_fields = list(OFFICERS.columns) + ([c for c in scenario.officers.columns if c not in OFFICERS.columns] if scenario else [])
    officer_cols = _columns("officers", officer_fields)
    officers = _sheet(book, "执法人员名录", officer_cols, {"qualifications": 30})
    _dropdown(officers, officer_cols, "department", dep_list, "部门名称或编号")
    if scenario is not None:
        for row in _directory_rows(scenario.officers, officer_fields, shown):
            officers.append(row)

    subject_fields = list(SUBJECTS.columns) + ([c for c in scenario.subjects.columns if c not in SUBJECTS.columns]
                                               if scenario else ["address", "contact_person", "contact_phone"])
    subject_cols = _columns("subjects", subject_fields)
    subjects = _sheet(book, "检查对象名录", subject_cols, {"subject_id": 22, "name": 36, "address": 36})
    _dropdown(subjects, subject_cols, "risk_class", '"A类,B类,C类,D类"', "A–D 或 低/一般/较高/高风险")
    _dropdown(subjects, subject_cols, "penalized_3y", '"是,否"', "是 或 否")
    if with_types:
        _dropdown(subjects, subject_cols, "object_types", type_list, "可填多个，以、分隔")
    if scenario is not None:
        for row in _directory_rows(scenario.subjects, subject_fields, shown):
            subjects.append(row)

    with atomic_file(out) as staging:
        book.save(staging)
