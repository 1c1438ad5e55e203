"""The app's upload takes the office's workbook (and its GB18030 subject export) as ``jointcheck import`` does, and
shows the same problems — file, sheet, row, header — in its problem table."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from scenarios import load_scenario
from scenarios.office import import_office, write_template
from ui.webapp.scenario_io import check_upload, problems_frame

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def test_the_offices_workbook_uploads_to_the_same_scenario(tmp_path: Path) -> None:
    tiny = load_scenario(SCENARIOS / "tiny")
    book = tmp_path / "区里的计划.xlsx"
    write_template(book, tiny)
    scenario, problems, _ = check_upload([(book.name, book.read_bytes())], root=tmp_path)
    assert [p for p in problems if p.severity == "error"] == []
    assert scenario is not None and scenario.content_hash == tiny.content_hash


def test_upload_shows_the_same_errors_as_the_command(tmp_path: Path) -> None:
    book = tmp_path / "plan.xlsx"
    write_template(book, load_scenario(SCENARIOS / "tiny"))
    workbook = load_workbook(book)
    subjects = workbook["检查对象名录"]
    subjects.cell(5, 4).value = "E类"
    workbook.save(book)
    export = tmp_path / "执法人员名录.csv"
    rows = [",".join("" if v is None else str(v) for v in row) for row in workbook["执法人员名录"].iter_rows(values_only=True)]
    export.write_bytes("\r\n".join(rows).replace("区市场监管局", "区市场监督局", 1).encode("gb18030"))
    uploads = [(book.name, book.read_bytes()), (export.name, export.read_bytes())]
    scenario, problems, _ = check_upload(uploads, root=tmp_path)
    assert scenario is None
    command = import_office(book, tmp_path / "out", files={"officers": export})
    assert [p.describe("zh") for p in problems if p.severity == "error"] == [p.describe("zh") for p in command.errors]
    assert any(p.file == "执法人员名录.csv" and p.code == "file.gb18030" for p in problems)  # the encoding is shown
    table = problems_frame(problems, "zh")
    row = table.filter(field="信用风险分类").row(0, named=True)
    assert (row["file"], row["row"]) == ("plan.xlsx › 检查对象名录", 5) and "E类" in row["message"]
    assert table.filter(file="执法人员名录.csv", field="所属部门").height == 1


def test_an_upload_without_year_policy_or_name_says_where_to_fill_them(tmp_path: Path) -> None:
    blank = tmp_path / "blank.xlsx"
    write_template(blank)
    scenario, problems, _ = check_upload([(blank.name, blank.read_bytes())], root=tmp_path)
    assert scenario is None
    settings = [p for p in problems if p.code == "office.setting_missing_app"]
    assert len(settings) == 3 and all(p.file == "blank.xlsx › 场景信息" and "场景信息" in p.text("zh") for p in settings)
