"""Workbooks built to break ``jointcheck import``: each is imported to the right scenario or refused with the file,
the sheet, the Excel row and the Chinese header — never a traceback, never a partial ``--out``.

Every case starts from the template of the bundled tiny scenario (whose import is tiny itself, same content hash)
and changes one thing the way an office's workbook differs from ours.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from scenarios import load_scenario
from scenarios.office import import_office, write_template
from scenarios.office.headers import SHEET_BY_ROLE
from ui.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
TINY = load_scenario(SCENARIOS / "tiny")
runner = CliRunner()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "tiny.xlsx"
    write_template(path, TINY)
    return path


@pytest.fixture
def book(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "tiny.xlsx"
    shutil.copy(template, path)
    return path


def edit(path: Path, change: Callable[[Workbook], None]) -> None:
    workbook = load_workbook(path)
    change(workbook)
    workbook.save(path)


def column(sheet, header: str) -> int:
    """The 1-based column of a header in row 1."""
    return next(c.column for c in sheet[1] if c.value == header)


def row_of(sheet, header: str, value: str) -> int:
    k = column(sheet, header)
    return next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, k).value == value)


def imported(path: Path, out: Path, **options):
    result = import_office(path, out, **options)
    assert result.errors == [], [p.describe("en") for p in result.errors]
    assert result.scenario is not None and out.is_dir()
    return result


def refused(path: Path, out: Path, **options):
    result = import_office(path, out, **options)
    assert result.scenario is None and result.errors
    assert not out.exists(), "nothing may be written on an error"
    assert not list(out.parent.glob(f".{out.name}.*")), "no staging directory left behind"
    return result


def the_error(result, file: str, row: int | None, header: str):
    found = [p for p in result.errors if p.file == file and p.row == row and p.field == header]
    assert found, [p.describe("en") for p in result.errors]
    return found[0]


# --- imported correctly -------------------------------------------------------------------------------------------

def test_the_template_imports_to_the_same_scenario(book: Path, tmp_path: Path) -> None:
    assert imported(book, tmp_path / "out").scenario.content_hash == TINY.content_hash


@pytest.mark.parametrize("k", range(7))
def test_every_header_variant_is_accepted(k: int, book: Path, tmp_path: Path) -> None:
    """Round k renames every header to its k-th accepted spelling (cycling) and every sheet to a variant name."""
    def rename(workbook: Workbook) -> None:
        for spec in SHEET_BY_ROLE.values():
            if spec.name not in workbook.sheetnames:
                continue
            sheet = workbook[spec.name]
            for cell in sheet[1]:
                col = next((c for c in spec.columns if c.header == cell.value), None)
                if col is not None and col.variants:
                    cell.value = col.variants[k % len(col.variants)] + (" " if k % 2 else "") + ("*" if k == 3 else "")
            if spec.variants and spec.role != "info":
                sheet.title = spec.variants[k % len(spec.variants)]

    edit(book, rename)
    assert imported(book, tmp_path / "out").scenario.content_hash == TINY.content_hash


def test_merged_title_rows_blank_rows_and_trailing_spaces(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        for name in ("年度抽查计划", "检查对象名录", "执法人员名录", "部门"):
            sheet = workbook[name]
            sheet.insert_rows(1, 2)
            sheet["A1"] = f"2024年度{name}（区市场监管局编制）"
            sheet.merge_cells("A1:F1")
        subjects = workbook["检查对象名录"]
        subjects.insert_rows(8, 3)  # blank rows inside the data
        for r in range(4, subjects.max_row + 1):
            for c in range(1, 5):
                value = subjects.cell(r, c).value
                if isinstance(value, str):
                    subjects.cell(r, c).value = f"  {value}\u3000 "
        subjects.cell(subjects.max_row + 5, 1).value = None  # trailing blank rows

    edit(book, change)
    assert imported(book, tmp_path / "out").scenario.content_hash == TINY.content_hash


def test_full_width_digits_numbers_as_text_and_numbers_as_numbers(book: Path, tmp_path: Path) -> None:
    full = str.maketrans("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ")

    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        ids, complaints = column(subjects, "统一社会信用代码"), column(subjects, "投诉举报核实次数")
        for r in range(2, subjects.max_row + 1):
            subjects.cell(r, ids).value = subjects.cell(r, ids).value.translate(full)
            subjects.cell(r, complaints).value = str(subjects.cell(r, complaints).value).translate(full) + ("次" if r % 2 else "")
        officers = workbook["执法人员名录"]
        capacity = column(officers, "每周可检查户次")
        for r in range(2, officers.max_row + 1):
            officers.cell(r, capacity).value = f"{officers.cell(r, capacity).value}.0" if r % 2 else float(officers.cell(r, capacity).value)
        tasks = workbook["年度抽查计划"]
        count = column(tasks, "抽查户数")
        tasks.cell(row_of(tasks, "任务编号", "T01"), count).value = "３户"

    edit(book, change)
    assert imported(book, tmp_path / "out").scenario.content_hash == TINY.content_hash


def test_dates_as_serials_text_and_cells(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        tasks = workbook["年度抽查计划"]
        start, end, flex = column(tasks, "开始日期"), column(tasks, "结束日期"), column(tasks, "最晚结束")
        r = row_of(tasks, "任务编号", "T01")
        tasks.cell(r, start).value = (dt.date(2024, 2, 19) - dt.date(1899, 12, 30)).days  # an Excel serial: 45341
        tasks.cell(r, end).value = "2024/3/29"
        tasks.cell(r, flex).value = "２０２４年６月２８日"
        r = row_of(tasks, "任务编号", "T02")
        tasks.cell(r, start).value = dt.datetime(2024, 4, 1)
        tasks.cell(r, end).value = "20240531"

    edit(book, change)
    assert imported(book, tmp_path / "out").scenario.content_hash == TINY.content_hash


@pytest.mark.parametrize("written", ["25%", "25 ％", "0.25", 0.25, "２５%"])
def test_percent_cells_and_strings(written, book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        tasks = workbook["年度抽查计划"]
        cell = tasks.cell(row_of(tasks, "任务编号", "T02"), column(tasks, "抽查比例"))
        cell.value = written
        if written == 0.25:
            cell.number_format = "0%"

    edit(book, change)
    out = tmp_path / "out"
    assert imported(book, out).scenario.content_hash == TINY.content_hash


@pytest.mark.parametrize("written, risk", [("A类", "A"), ("低风险", "A"), ("一般风险", "B"), ("较高风险", "C"),
                                           ("高风险", "D"), ("d", "D"), ("Ｃ类", "C")])
def test_risk_class_spellings(written: str, risk: str, book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        subjects.cell(row_of(subjects, "统一社会信用代码", "S001"), column(subjects, "信用风险分类")).value = written

    edit(book, change)
    scenario = imported(book, tmp_path / "out").scenario
    assert scenario.subjects.filter(subject_id="S001")["risk_class"].cast(str).item() == risk


def test_departments_and_items_by_name_and_lists_with_any_separator(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        tasks = workbook["年度抽查计划"]
        r = row_of(tasks, "任务编号", "T05")
        tasks.cell(r, column(tasks, "牵头部门")).value = "SAMR"
        tasks.cell(r, column(tasks, "配合部门")).value = "区卫生健康委"
        tasks.cell(r, column(tasks, "抽查事项")).value = "公示信息检查，A100\n公共场所卫生检查"
        tasks.cell(r, column(tasks, "检查对象类型")).value = "restaurant"

    edit(book, change)
    assert imported(book, tmp_path / "out").scenario.content_hash == TINY.content_hash


def test_formulas_with_saved_results_import_as_their_values(book: Path, tmp_path: Path) -> None:
    """A workbook saved by Excel holds each formula and its last result: the result is imported."""
    sheet_xml = _sheet_part(book, "执法人员名录")
    with zipfile.ZipFile(book) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    # every number cell of the sheet becomes a formula with its value saved, as Excel writes it
    parts[sheet_xml] = re.sub(rb'(<c r="F\d+"[^>]*>)(<v>)', rb"\1<f>2+2</f>\2", parts[sheet_xml])
    assert b"<f>" in parts[sheet_xml]
    with zipfile.ZipFile(book, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    assert imported(book, tmp_path / "out").scenario.content_hash == TINY.content_hash


def test_subject_address_contact_and_phone_are_carried(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        width = subjects.max_column
        for k, header in enumerate(("住所", "法定代表人", "联系电话"), start=1):
            subjects.cell(1, width + k).value = header
        r = row_of(subjects, "统一社会信用代码", "S001")
        subjects.cell(r, width + 1).value = "长宁区新华路1号"
        subjects.cell(r, width + 2).value = "张三"
        subjects.cell(r, width + 3).value = 13800138000

    edit(book, change)
    scenario = imported(book, tmp_path / "out").scenario
    row = scenario.subjects.filter(subject_id="S001").row(0, named=True)
    assert (row["address"], row["contact_person"], row["contact_phone"]) == ("长宁区新华路1号", "张三", "13800138000")
    assert "address" in (tmp_path / "out" / "subjects.csv").read_text(encoding="utf-8").splitlines()[0]
    assert load_scenario(tmp_path / "out").content_hash == scenario.content_hash  # blanks as the folder reads back


def test_a_cell_with_a_line_break_keeps_the_rows_of_later_errors(book: Path, tmp_path: Path) -> None:
    """An address over two lines is one cell; a later row's error still names that row."""
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        width = subjects.max_column
        subjects.cell(1, width + 1).value = "经营地址"
        subjects.cell(3, width + 1).value = "长宁区\n新华路1号"
        subjects.cell(20, column(subjects, "投诉举报核实次数")).value = "三次"

    edit(book, change)
    error = the_error(refused(book, tmp_path / "out"), "tiny.xlsx › 检查对象名录", 20, "投诉举报核实次数")
    assert "三次" in error.text("zh")


def test_mapping_names_the_offices_own_headers(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        subjects.cell(1, column(subjects, "信用风险分类")).value = "分级结果（2024）"
        workbook["执法人员名录"].title = "人员"

    edit(book, change)
    mapping = tmp_path / "map.yaml"
    mapping.write_text("检查对象名录:\n  分级结果（2024）: risk_class\nsheets:\n  执法人员名录: 人员\n", encoding="utf-8")
    refused(book, tmp_path / "without")
    assert imported(book, tmp_path / "out", mapping=mapping).scenario.content_hash == TINY.content_hash


@pytest.mark.parametrize("encoding, bom", [("gb18030", b""), ("utf-8", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_subject_csv_in_every_encoding_with_a_title_line(encoding: str, bom: bytes, book: Path, tmp_path: Path) -> None:
    """The subject list as a CSV export: GB18030 with a BOM-less Chinese header, UTF-8, UTF-8 with BOM; a title line
    above the header; the encoding detected and reported."""
    lines = ["检查对象名录（导出）,,,,,,,"]
    workbook = load_workbook(book, read_only=True)
    lines += [",".join("" if v is None else str(v) for v in row) for row in workbook["检查对象名录"].iter_rows(values_only=True)]
    workbook.close()
    export = tmp_path / "检查对象名录.csv"
    export.write_bytes(bom + "\r\n".join(lines).encode(encoding))
    result = imported(book, tmp_path / "out", files={"subjects": export})
    assert result.encodings == {"检查对象名录.csv": {"gb18030": "GB18030", "utf-8": "UTF-8-BOM" if bom else "UTF-8"}[encoding]}
    assert result.scenario.content_hash == TINY.content_hash


# --- refused, with file, sheet, row and header --------------------------------------------------------------------

def test_a_missing_sheet_is_named(book: Path, tmp_path: Path) -> None:
    edit(book, lambda workbook: workbook.remove(workbook["执法人员名录"]))
    result = refused(book, tmp_path / "out")
    error = the_error(result, "tiny.xlsx", None, "执法人员名录")
    assert "--officers" in error.text("zh") and "执法人员名录" in error.text("en")


def test_an_unknown_department_and_item_are_named_with_sheet_row_and_header(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        tasks = workbook["年度抽查计划"]
        tasks.cell(row_of(tasks, "任务编号", "T03"), column(tasks, "牵头部门")).value = "区不存在局"
        tasks.cell(row_of(tasks, "任务编号", "T04"), column(tasks, "抽查事项")).value = "C01、没有这项"
        officers = workbook["执法人员名录"]
        officers.cell(3, column(officers, "所属部门")).value = "区另一个局"

    edit(book, change)
    result = refused(book, tmp_path / "out")
    the_error(result, "tiny.xlsx › 年度抽查计划", 4, "牵头部门")
    error = the_error(result, "tiny.xlsx › 年度抽查计划", 5, "抽查事项")
    assert "没有这项" in error.text("zh")
    the_error(result, "tiny.xlsx › 执法人员名录", 3, "所属部门")


def test_a_duplicate_credit_code_is_refused_at_its_row(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        subjects.cell(9, column(subjects, "统一社会信用代码")).value = subjects.cell(4, column(subjects, "统一社会信用代码")).value

    edit(book, change)
    error = the_error(refused(book, tmp_path / "out"), "tiny.xlsx › 检查对象名录", 9, "统一社会信用代码")
    assert "第 4 行" in error.text("zh")


def test_every_problem_at_once_in_chinese_and_english(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        subjects.cell(57 - 9, column(subjects, "信用风险分类")).value = "E类"
        subjects.cell(5, column(subjects, "近三年受过行政处罚")).value = "也许"
        subjects.cell(6, column(subjects, "检查对象类型")).value = "火锅店"
        tasks = workbook["年度抽查计划"]
        r = row_of(tasks, "任务编号", "T02")
        tasks.cell(r, column(tasks, "抽查比例")).value = "25"
        tasks.cell(r, column(tasks, "开始日期")).value = "2024-02-30"
        items = workbook["抽查事项清单"]
        items.cell(2, column(items, "事项类别")).value = "特别"

    edit(book, change)
    result = refused(book, tmp_path / "out")
    risk = the_error(result, "tiny.xlsx › 检查对象名录", 48, "信用风险分类")
    assert risk.describe("zh") == "tiny.xlsx › 检查对象名录 第 48 行，字段 信用风险分类：“E类”不是 A–D、A类–D类或低/一般/较高/高风险之一"
    assert "'E类' is not one of A–D" in risk.describe("en")
    the_error(result, "tiny.xlsx › 检查对象名录", 5, "近三年受过行政处罚")
    the_error(result, "tiny.xlsx › 检查对象名录", 6, "检查对象类型")
    assert "25%" in the_error(result, "tiny.xlsx › 年度抽查计划", 3, "抽查比例").text("zh")
    the_error(result, "tiny.xlsx › 年度抽查计划", 3, "开始日期")
    the_error(result, "tiny.xlsx › 抽查事项清单", 2, "事项类别")
    assert len({(p.file, p.row, p.field) for p in result.errors}) == len(result.errors), "each problem once"


def test_formulas_without_saved_results_are_refused_by_cell(book: Path, tmp_path: Path) -> None:
    """A workbook written by a program holds formulas but no results: refused at the cell, not read as empty."""
    def change(workbook: Workbook) -> None:
        officers = workbook["执法人员名录"]
        officers.cell(4, column(officers, "每周可检查户次")).value = "=2+2"

    edit(book, change)
    error = the_error(refused(book, tmp_path / "out"), "tiny.xlsx › 执法人员名录", 4, "每周可检查户次")
    assert "Excel" in error.text("zh")


def test_excel_error_values_are_refused(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        subjects.cell(7, column(subjects, "企业名称")).value = "#N/A"

    edit(book, change)
    the_error(refused(book, tmp_path / "out"), "tiny.xlsx › 检查对象名录", 7, "企业名称")


def test_two_columns_for_one_field_and_a_sheet_without_header(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        subjects.cell(1, subjects.max_column + 1).value = "单位名称"
        departments = workbook["部门"]
        departments.delete_rows(1)

    edit(book, change)
    result = refused(book, tmp_path / "out")
    the_error(result, "tiny.xlsx › 检查对象名录", 1, "单位名称")
    assert any(p.file == "tiny.xlsx › 部门" and p.code == "office.no_header" for p in result.errors)


@pytest.mark.parametrize("content, code", [(b"not a zip", "office.not_xlsx"), (b"", "office.not_xlsx")])
def test_not_a_workbook(content: bytes, code: str, tmp_path: Path) -> None:
    path = tmp_path / "plan.xlsx"
    path.write_bytes(content)
    result = refused(path, tmp_path / "out", name="x", year=2024, policy="shanghai-2024")
    assert [p.code for p in result.errors] == [code]


def test_an_xls_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "plan.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    error = refused(path, tmp_path / "out").errors[0]
    assert ".xlsx" in error.text("zh")


def test_a_csv_neither_utf8_nor_gb18030_is_refused(book: Path, tmp_path: Path) -> None:
    export = tmp_path / "subjects.csv"
    export.write_bytes("统一社会信用代码,企业名称\n".encode("utf-8") + b"S1,\x80\xff\n")
    error = refused(book, tmp_path / "out", files={"subjects": export}).errors[0]
    assert error.file == "subjects.csv" and error.code == "office.unknown_encoding"


# --- the command ----------------------------------------------------------------------------------------------------

def test_cli_refusal_lists_problems_and_writes_nothing(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        subjects.cell(10, column(subjects, "信用风险分类")).value = "E类"

    edit(book, change)
    out = tmp_path / "out"
    result = runner.invoke(app, ["import", str(book), "--out", str(out), "--lang", "zh"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "tiny.xlsx › 检查对象名录 第 10 行，字段 信用风险分类" in result.output
    assert "未写出任何文件" in result.output and not out.exists()


def test_cli_force_replaces_only_an_imported_scenario(book: Path, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    shutil.copytree(SCENARIOS / "tiny", mine)
    result = runner.invoke(app, ["import", str(book), "--out", str(mine), "--force", "--lang", "en"])
    assert result.exit_code == 2 and "nothing was changed" in result.output
    assert (mine / "scenario.yaml").read_bytes() == (SCENARIOS / "tiny" / "scenario.yaml").read_bytes()
    out = tmp_path / "out"
    assert runner.invoke(app, ["import", str(book), "--out", str(out)]).exit_code == 0
    assert runner.invoke(app, ["import", str(book), "--out", str(out)]).exit_code == 2
    result = runner.invoke(app, ["import", str(book), "--out", str(out), "--force", "--name", "again"])
    assert result.exit_code == 0 and load_scenario(out).name == "again"
    (out / "备注.txt").write_text("a planner's note", encoding="utf-8")  # the folder now holds something of theirs
    result = runner.invoke(app, ["import", str(book), "--out", str(out), "--force", "--lang", "en"])
    assert result.exit_code == 2 and "备注.txt" in result.output and (out / "备注.txt").exists()


def test_cli_settings_missing_are_named(tmp_path: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    assert runner.invoke(app, ["template", "--out", str(blank)]).exit_code == 0
    result = runner.invoke(app, ["import", str(blank), "--out", str(tmp_path / "out"), "--lang", "en"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    for option in ("--year", "--policy", "--name"):
        assert option in result.output
    assert not (tmp_path / "out").exists()


def test_blank_template_has_instructions_dropdowns_and_every_sheet(tmp_path: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    write_template(blank)
    workbook = load_workbook(blank)
    assert workbook.sheetnames[:8] == ["填写说明", "场景信息", "部门", "检查对象类型", "抽查事项清单", "年度抽查计划",
                                       "执法人员名录", "检查对象名录"]
    lists = {dv.formula1 for name in workbook.sheetnames for dv in workbook[name].data_validations.dataValidation}
    assert {'"A类,B类,C类,D类"', '"重点,一般"', '"是,否"'} <= lists
    assert any("'部门'!" in f for f in lists) and any("'检查对象类型'!" in f for f in lists)
    assert [c.value for c in workbook["检查对象名录"][1]][:4] == ["统一社会信用代码", "企业名称", "检查对象类型", "信用风险分类"]


def _sheet_part(path: Path, title: str) -> str:
    """The zip member holding a sheet's XML."""
    workbook = load_workbook(path, read_only=True)
    index = workbook.sheetnames.index(title)
    workbook.close()
    with zipfile.ZipFile(path) as archive:
        return sorted((n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                      key=lambda n: int(re.findall(r"\d+", n)[0]))[index]


def test_tasks_as_a_gb18030_csv_and_items_as_a_separate_workbook(book: Path, tmp_path: Path) -> None:
    """--tasks from a GB18030 CSV (dates as text, ratio as 25%), --items from another workbook whose one sheet has
    a name of its own: the same scenario."""
    workbook = load_workbook(book)
    tasks = workbook["年度抽查计划"]
    lines = []
    for row in tasks.iter_rows(values_only=True):
        cells = []
        for value in row:
            if isinstance(value, dt.datetime):
                value = f"{value.year}/{value.month}/{value.day}"
            elif isinstance(value, float):
                value = f"{value * 100:g}%"
            cells.append("" if value is None else f'"{value}"' if "," in str(value) else str(value))
        lines.append(",".join(cells))
    tasks_csv = tmp_path / "计划.csv"
    tasks_csv.write_bytes("\n".join(lines).encode("gb18030"))
    items = Workbook()
    items.active.title = "Sheet1"
    for row in workbook["抽查事项清单"].iter_rows(values_only=True):
        items.active.append(row)
    items.save(tmp_path / "事项.xlsx")
    result = imported(book, tmp_path / "out", files={"tasks": tasks_csv, "items": tmp_path / "事项.xlsx"})
    assert result.encodings == {"计划.csv": "GB18030"}
    assert result.scenario.content_hash == TINY.content_hash


def test_a_mapping_to_an_unknown_field_is_named(book: Path, tmp_path: Path) -> None:
    mapping = tmp_path / "map.yaml"
    mapping.write_text("检查对象名录:\n  风险: danger class\n不存在的表:\n  x: name\n", encoding="utf-8")
    result = refused(book, tmp_path / "out", mapping=mapping)
    assert {(p.file, p.row, p.field, p.code) for p in result.errors} == {
        ("map.yaml", 2, "检查对象名录.风险", "office.mapping_field"), ("map.yaml", 3, "不存在的表", "office.mapping_sheet")}
    assert refused(book, tmp_path / "out", mapping=tmp_path / "absent.yaml").errors[0].code == "file.not_found"


def test_cli_template_guards_its_out(tmp_path: Path) -> None:
    folder = tmp_path / "a-folder.xlsx"
    folder.mkdir()
    result = runner.invoke(app, ["template", "--out", str(folder), "--force", "--lang", "en"])
    assert result.exit_code == 2 and folder.is_dir() and "left untouched" in result.output
    other = tmp_path / "theirs.xlsx"
    Workbook().save(other)
    result = runner.invoke(app, ["template", "--out", str(other), "--force", "--lang", "en"])
    assert result.exit_code == 2 and "left untouched" in result.output
    result = runner.invoke(app, ["template", "--out", str(tmp_path / "book.csv"), "--lang", "en"])
    assert result.exit_code == 2 and not (tmp_path / "book.csv").exists()
    book = tmp_path / "book.xlsx"
    assert runner.invoke(app, ["template", "--out", str(book)]).exit_code == 0
    assert runner.invoke(app, ["template", "--out", str(book)]).exit_code == 2
    assert runner.invoke(app, ["template", str(SCENARIOS / "tiny"), "--out", str(book), "--force"]).exit_code == 0
    assert load_workbook(book, read_only=True)["部门"]["B2"].value == "区市场监管局"


def test_cli_refuses_an_out_that_holds_the_workbook(book: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", str(book), "--out", str(tmp_path), "--force", "--lang", "en"])
    assert result.exit_code == 2 and "holds an input file" in result.output and book.exists()


def test_a_credit_code_excel_kept_as_a_number_is_refused(book: Path, tmp_path: Path) -> None:
    """An 18-digit 统一社会信用代码 typed into a number cell: Excel keeps 15 digits; refused, not imported rounded."""
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        subjects.cell(3, column(subjects, "统一社会信用代码")).value = 913101058688108413

    edit(book, change)
    error = the_error(refused(book, tmp_path / "out"), "tiny.xlsx › 检查对象名录", 3, "统一社会信用代码")
    assert "15" in error.text("zh") and "e+17" in error.text("en")


@pytest.mark.parametrize("ratio, count", [("25%", 3), (None, None)])
def test_ratio_and_count_both_or_neither_is_refused_with_the_sheets_words(ratio, count, book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        tasks = workbook["年度抽查计划"]
        r = row_of(tasks, "任务编号", "T02")
        tasks.cell(r, column(tasks, "抽查比例")).value = ratio
        tasks.cell(r, column(tasks, "抽查户数")).value = count

    edit(book, change)
    error = the_error(refused(book, tmp_path / "out"), "tiny.xlsx › 年度抽查计划", 3, "抽查比例")
    assert error.code == "office.sampling_one" and "抽查户数" in error.text("zh")


def test_ratios_by_risk_class(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        tasks = workbook["年度抽查计划"]
        r = row_of(tasks, "任务编号", "T02")
        tasks.cell(r, column(tasks, "抽查比例")).value = None
        tasks.cell(r, column(tasks, "A类抽查比例")).value = "2%"
        tasks.cell(r, column(tasks, "D类抽查比例")).value = 0.2

    edit(book, change)
    task = next(t for t in imported(book, tmp_path / "out").scenario.tasks if t.id == "T02")
    assert {k.value: v for k, v in task.ratio_by_class.items()} == {"A": 0.02, "D": 0.2} and task.ratio is None


HOSTILE = [None, "", "   ", "#REF!", "x" * 5000, 1e308, -1, 0, 3.5, dt.datetime(1900, 1, 1), dt.date(2099, 12, 31), "；；、、",
           "=1+", "😀", "E类", "是否", "100%", "0%", "2024-13-01", "45341", "A类、B类", True, "\u200b", "１２３"]


@pytest.mark.parametrize("seed", range(12))
def test_random_hostile_cells_never_raise_nor_leave_a_partial_out(seed: int, book: Path, tmp_path: Path) -> None:
    """Any cell of any sheet set to a hostile value: the import returns (imported or refused), never raises."""
    import random

    rng = random.Random(seed)

    def change(workbook: Workbook) -> None:
        for _ in range(4):
            sheet = workbook[rng.choice(workbook.sheetnames[1:])]
            sheet.cell(rng.randint(1, max(2, sheet.max_row)), rng.randint(1, max(1, sheet.max_column))).value = rng.choice(HOSTILE)

    edit(book, change)
    out = tmp_path / "out"
    result = import_office(book, out)
    if result.scenario is None:
        assert result.errors and not out.exists()
        assert all(p.file and p.text("zh") and p.text("en") for p in result.problems)
    else:
        assert load_scenario(out).content_hash == result.scenario.content_hash


def test_district_and_authority_cells_are_used_or_said_to_be_unused(book: Path, tmp_path: Path) -> None:
    """所属区 and 编制单位 on 场景信息 go into scenario.yaml once the scenario format has them (issue 27); until
    then each is a warning, never dropped silently."""
    from scenarios.model import ScenarioHeader

    def change(workbook: Workbook) -> None:
        workbook["场景信息"].append(["所属区", "长宁区"])
        workbook["场景信息"].append(["编制单位", "长宁区市场监管局"])

    edit(book, change)
    result = imported(book, tmp_path / "out")
    for key, value in (("district", "长宁区"), ("authority", "长宁区市场监管局")):
        if key in ScenarioHeader.model_fields:
            assert getattr(result.scenario.spec, key) == value
        else:
            assert any(p.severity == "warning" and p.file == "tiny.xlsx › 场景信息" and value not in p.text("zh")
                       and p.code == "office.info_unknown" for p in result.problems)


def test_a_refused_import_leaves_no_folder_it_made(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        workbook["检查对象名录"].cell(3, 4).value = "E类"

    edit(book, change)
    refused(book, tmp_path / "new" / "deeper" / "out")
    assert not (tmp_path / "new").exists()


def test_departments_without_ids_take_their_names(book: Path, tmp_path: Path) -> None:
    """An office's 部门 sheet often has names only: each name becomes the department's id."""
    edit(book, lambda workbook: workbook["部门"].delete_cols(1))
    scenario = imported(book, tmp_path / "out").scenario
    assert set(scenario.departments) == {"区市场监管局", "区教育局", "区消防救援支队", "区文化旅游局", "区卫生健康委"}
    assert next(t for t in scenario.tasks if t.id == "T02").lead == "区消防救援支队"
    assert set(scenario.officers["department"].unique()) <= set(scenario.departments)


def test_a_csv_error_names_the_line_a_text_editor_shows(book: Path, tmp_path: Path) -> None:
    """A GB18030 export with a title line and a blank line above the header: the row of an error is its line."""
    workbook = load_workbook(book, read_only=True)
    rows = [",".join("" if v is None else str(v) for v in row) for row in workbook["检查对象名录"].iter_rows(values_only=True)]
    workbook.close()
    lines = ["检查对象名录（导出）", "", *rows]
    fields = lines[30 - 1].split(",")
    fields[3] = "E类"  # 信用风险分类 on line 30 of the file
    lines[30 - 1] = ",".join(fields)
    export = tmp_path / "检查对象名录.csv"
    export.write_bytes("\r\n".join(lines).encode("gb18030"))
    error = the_error(refused(book, tmp_path / "out", files={"subjects": export}), "检查对象名录.csv", 30, "信用风险分类")
    assert error.describe("zh").startswith("检查对象名录.csv 第 30 行，字段 信用风险分类：“E类”")


def test_an_unreadable_sheet_or_file_is_said_once(book: Path, tmp_path: Path) -> None:
    """A sheet without a header under a variant name, or a --subjects file that cannot be read, is one problem —
    not also a 'sheet missing'."""
    def change(workbook: Workbook) -> None:
        workbook["执法人员名录"].delete_rows(1)
        workbook["执法人员名录"].title = "执法检查人员名录库"

    edit(book, change)
    result = refused(book, tmp_path / "out", files={"subjects": tmp_path / "absent.csv"})
    assert sorted(p.code for p in result.errors) == ["file.not_found", "office.no_header"]


def test_extra_headers_a_reader_cannot_tell_apart_are_one_column_twice(book: Path, tmp_path: Path) -> None:
    def change(workbook: Workbook) -> None:
        subjects = workbook["检查对象名录"]
        width = subjects.max_column
        subjects.cell(1, width + 1).value = "备注"
        subjects.cell(1, width + 2).value = "备\u200b注"

    edit(book, change)
    error = the_error(refused(book, tmp_path / "out"), "tiny.xlsx › 检查对象名录", 1, "备\u200b注")
    assert error.code == "office.column_twice"
