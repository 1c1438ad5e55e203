"""The papers planners hand out (issue 15): plan table, task sheets, calendar, visits, results template.

Made from changning-2024 and putuo-2023 plans by ``jointcheck export``; checked for content (the putuo
table's 8 plans with 20, 4, 6, 6, 2, 2, 5, 6 subjects and the teams' officer-visits), for their 检查码
(each passes ``jointcheck code check``), for the results round trip through ``jointcheck results``, for
formula-safe cells, and for byte-identical output.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import time
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from typer.testing import CliRunner

from documents import FORMATS, WHATS, build_document, load_context, make_documents
from documents.qr import qr_modules, qr_svg
from scenarios import load_scenario
from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
PUTUO = REPO / "scenarios" / "putuo-2023"
CHANGNING = REPO / "scenarios" / "changning-2024"
TINY = REPO / "scenarios" / "tiny"
runner = CliRunner()


def _plan(scenario: Path, out: Path, seed: str = "20240301") -> Path:
    result = runner.invoke(app, ["plan", str(scenario), "--seed", seed, "--out", str(out), "--lang", "zh"])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def putuo(tmp_path_factory) -> Path:
    return _plan(PUTUO, tmp_path_factory.mktemp("putuo") / "plan")


@pytest.fixture(scope="module")
def changning(tmp_path_factory) -> Path:
    return _plan(CHANGNING, tmp_path_factory.mktemp("changning") / "plan", seed="1")


@pytest.fixture(scope="module")
def putuo_docs(putuo: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("putuo-docs") / "docs"
    args = ["export", str(putuo), str(PUTUO), "--out", str(out)]
    for fmt in FORMATS:
        args += ["--format", fmt]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return out


def _csv(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_export_writes_every_document_in_every_format(putuo_docs: Path) -> None:
    names = {p.name for p in putuo_docs.iterdir()}
    for what in WHATS:
        for fmt in FORMATS:
            assert f"{what}.{fmt}" in names, (what, fmt)
    assert "task-sheets-2.csv" in names  # the items with their legal basis
    assert not [p for p in putuo_docs.parent.iterdir() if p.name != "docs"], "atomic: no staging directory left"


def test_putuo_plan_table_is_the_official_form(putuo: Path, putuo_docs: Path) -> None:
    scenario = load_scenario(PUTUO)
    rows = _csv(putuo_docs / "plan-table.csv")
    assert rows[0][:8] == ["序号", "抽查方案", "抽查时间", "牵头部门", "参与部门", "主要检查事项", "抽查市场主体(户)",
                           "出动执法人员(人次)"]
    assert rows[0][8:11] == ["发现问题市场主体(户)", "发现问题(个)", "已整改问题(个)"]
    body, total = rows[1:-1], rows[-1]
    assert [r[1] for r in body] == [t.name for t in scenario.tasks]
    assert [int(r[6]) for r in body] == [20, 4, 6, 6, 2, 2, 5, 6]
    assert total[1] == "合计" and total[6] == "51"
    assert body[0][3] == "区市场监管局" and body[0][4] == "区教育局"
    assert body[6][4] == "区应急局、区市场监管局、区消防救援支队"
    assert body[0][2] == "2023-02-15 ~ 2023-03-31"
    # officer-visits: the officers of the task's departments on the visits that serve it
    visits = pl.read_parquet(putuo / "visits.parquet").select("visit_id", pl.col("task_ids").alias("task_id")).explode("task_id")
    team = pl.read_parquet(putuo / "assignments.parquet")
    for row, task in zip(body, scenario.tasks):
        served = visits.filter(pl.col("task_id") == task.id)["visit_id"]
        expected = team.filter(pl.col("visit_id").is_in(served.implode()) & pl.col("department").is_in(task.departments)).height
        assert int(row[7]) == expected >= 2 * len(task.departments) * int(row[6])
    assert int(total[7]) == sum(int(r[7]) for r in body)


def test_plan_table_xlsx_has_numbers_dates_frozen_header_and_filters(putuo_docs: Path) -> None:
    book = openpyxl.load_workbook(putuo_docs / "plan-table.xlsx")
    sheet = book.worksheets[0]
    assert sheet["A1"].value.endswith("部门联合抽查计划表")
    header = [c.value for c in sheet[3]]
    assert header[:3] == ["序号", "抽查方案", "抽查时间"] and "开始日期" in header
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref.startswith("A3:")
    first = [c.value for c in sheet[4]]
    assert first[0] == 1 and first[6] == 20 and isinstance(first[7], int)
    start = first[header.index("开始日期")]
    assert isinstance(start, dt.datetime) and start.date() == dt.date(2023, 2, 15)
    assert sheet.cell(4, header.index("开始日期") + 1).number_format == "yyyy-mm-dd"


def test_task_sheets_one_per_visit_with_names_code_and_qr(putuo: Path, putuo_docs: Path) -> None:
    visits = pl.read_parquet(putuo / "visits.parquet")
    rows = _csv(putuo_docs / "task-sheets.csv")
    header, body = rows[0], rows[1:]
    assert len(body) == visits.height
    codes = [r[header.index("检查码")] for r in body]
    assert sorted(codes) == sorted(visits["inspection_code"].to_list())
    html = (putuo_docs / "task-sheets.html").read_text(encoding="utf-8")
    assert html.count('<section class="sheet">') == visits.height
    officers = pl.read_csv(PUTUO / "officers.csv")["name"].to_list()
    subjects = dict(pl.read_csv(PUTUO / "subjects.csv").select("subject_id", "name").iter_rows())
    first = visits.sort("date", "visit_id").row(0, named=True)
    assert subjects[first["subject_id"]] in html and "检查任务单" in html and "发现问题" in html and "已整改" in html
    assert any(name in html for name in officers)
    for code in codes:
        assert code in html and qr_svg(code) in html
    modules = qr_modules(codes[0])
    assert len(modules) == len(modules[0]) >= 21 + 8


def test_every_task_sheet_code_passes_code_check(putuo: Path, putuo_docs: Path) -> None:
    body = _csv(putuo_docs / "task-sheets.csv")
    at = body[0].index("检查码")
    for row in body[1:]:
        result = runner.invoke(app, ["code", "check", row[at], "--plan", str(putuo), "--lang", "en"])
        assert result.exit_code == 0 and "genuine" in result.output, (row[at], result.output)
        assert row[0] in result.output  # the visit id the sheet names


def test_calendar_per_department_and_iso_week(putuo: Path, putuo_docs: Path) -> None:
    visits = pl.read_parquet(putuo / "visits.parquet")
    rows = _csv(putuo_docs / "calendar.csv")
    header, body = rows[0], rows[1:]
    assert header[:4] == ["部门", "周次", "周起止", "检查日期"]
    assert len(body) == int(visits["departments"].list.len().sum())
    for row in body:
        day = dt.date.fromisoformat(row[3])
        year, week, _ = day.isocalendar()
        assert row[1] == f"{year}-W{week:02d}"
        assert row[6], "officers by name"
    html = (putuo_docs / "calendar.html").read_text(encoding="utf-8")
    assert html.count('<section class="group">') == len({r[0] for r in body})


def test_results_template_round_trips_through_jointcheck_results(putuo: Path, putuo_docs: Path, tmp_path: Path) -> None:
    rows = _csv(putuo_docs / "results-template.csv")
    header = rows[0]
    assert header[:4] == ["visit_id", "subject_id", "subject_name", "visit_date"]
    unchanged = runner.invoke(app, ["results", str(putuo), str(putuo_docs / "results-template.csv"), "--as-of",
                                    "2023-06-01", "--lang", "en"])
    assert unchanged.exit_code == 0 and "recorded 0 result(s)" in unchanged.output, unchanged.output
    filled = tmp_path / "results.csv"
    with open(filled, "w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for k, row in enumerate(rows[1:]):
            row = list(row)
            if k == 0:
                writer.writerow(row)  # the first visit's result is still pending
                continue
            row[header.index("result_date")] = row[header.index("visit_date")]
            row[header.index("problems_found")] = str(k % 2)
            row[header.index("problems_rectified")] = str(k % 2)
            writer.writerow(row)
    result = runner.invoke(app, ["results", str(putuo), str(filled), "--as-of", "2023-06-01", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"recorded {len(rows) - 2} result(s)" in result.output
    # the plan table now carries the results columns (a visit serving two tasks counts for each)
    ctx = load_context(putuo, load_scenario(PUTUO))
    table = build_document(ctx, "plan-table").tables[0]
    found = sum(r[table.index("problems_found")] for r in table.rows)
    assert found >= sum(k % 2 for k in range(1, len(rows) - 1)) > 0
    assert all(r[table.index("problems_rectified")] == r[table.index("problems_found")] for r in table.rows)
    template = build_document(ctx, "results-template").tables[0]
    assert sum(r[template.index("problems_found")] is not None for r in template.rows) == len(rows) - 2


def test_results_template_xlsx_is_read_by_jointcheck_results(putuo: Path, putuo_docs: Path, tmp_path: Path) -> None:
    book = openpyxl.load_workbook(putuo_docs / "results-template.xlsx")
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:4] == ["检查编号", "检查对象编号", "检查对象名称", "检查日期"]
    assert sheet.freeze_panes == "A2"
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, header.index("结果形成日期") + 1, sheet.cell(r, 4).value)
        sheet.cell(r, header.index("发现问题(个)") + 1, 0)
        sheet.cell(r, header.index("已整改问题(个)") + 1, 0)
    filled = tmp_path / "results.xlsx"
    book.save(filled)
    result = runner.invoke(app, ["results", str(putuo), str(filled), "--as-of", "2023-06-01", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"recorded {sheet.max_row - 1} result(s)" in result.output


def test_same_plan_gives_byte_identical_documents(putuo: Path) -> None:
    scenario = load_scenario(PUTUO)
    one = make_documents(putuo, scenario, list(WHATS), list(FORMATS))
    time.sleep(2.1)  # zip and PDF timestamps have 2 s and 1 s resolution
    two = make_documents(putuo, scenario, list(WHATS), list(FORMATS))
    assert one.keys() == two.keys()
    for name in one:
        assert one[name] == two[name], name


def test_pdf_is_chinese_text_on_a4(putuo_docs: Path, tmp_path: Path) -> None:
    pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 (dev extra) renders the PDF")
    pdf = pdfium.PdfDocument(str(putuo_docs / "task-sheets.pdf"))
    page = pdf[0]
    width, height = page.get_size()
    assert abs(width - 595.3) < 1 and abs(height - 841.9) < 1  # A4 portrait, points
    text = page.get_textpage().get_text_range()
    assert "检查任务单" in text and "检查码" in text and "发现问题" in text
    image = page.render(scale=1).to_pil()
    image.save(tmp_path / "page.png")
    assert image.convert("L").getextrema()[0] < 64, "the page is not blank"
    table = pdfium.PdfDocument(str(putuo_docs / "plan-table.pdf"))
    assert "部门联合抽查计划表" in table[0].get_textpage().get_text_range()
    assert table[0].get_size()[0] > table[0].get_size()[1]  # landscape


def test_english_documents(putuo: Path) -> None:
    files = make_documents(putuo, load_scenario(PUTUO), ["plan-table", "task-sheets"], ["csv", "html"], lang="en")
    header = _csv_bytes(files["plan-table.csv"])[0]
    assert header[:3] == ["No.", "Inspection plan", "Period"]
    assert "Inspection code" in files["task-sheets.html"].decode("utf-8")
    assert '<html lang="en">' in files["task-sheets.html"].decode("utf-8")


def _csv_bytes(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_legal_basis_and_formula_cells(tiny_copy: Path, edit, tmp_path: Path) -> None:
    from optimizer.export import write_plan
    from optimizer.plan import make_plan

    text = (tiny_copy / "scenario.yaml").read_text(encoding="utf-8")
    item = re.search(r"- \{id: (F01), name: ([^,]+),", text)
    edit(tiny_copy / "scenario.yaml", item.group(0),
         item.group(0) + " legal_basis: 《中华人民共和国食品安全法》第八十七条,")
    task_name = re.search(r"\n    name: (.+)\n", text) or re.search(r"\n  name: (.+)\n", text)
    edit(tiny_copy / "scenario.yaml", f"name: {task_name.group(1)}\n", 'name: "=HYPERLINK(\\"http://x\\")"\n')
    scenario = load_scenario(tiny_copy)
    plan_dir = write_plan(make_plan(scenario, "20240301"), tmp_path / "plan")
    files = make_documents(plan_dir, scenario, list(WHATS), ["xlsx", "csv", "html"])
    items = files["task-sheets-2.csv"].decode("utf-8-sig")
    assert item.group(1) in pl.read_parquet(plan_dir / "visits.parquet")["items"].explode().to_list()
    assert "《中华人民共和国食品安全法》第八十七条" in items
    assert "《中华人民共和国食品安全法》第八十七条" in files["task-sheets.html"].decode("utf-8")
    table = _csv_bytes(files["plan-table.csv"])
    assert any(row[1].startswith("'=HYPERLINK") for row in table)
    for name, data in files.items():
        if name.endswith(".xlsx"):
            book = openpyxl.load_workbook(io.BytesIO(data))
            for sheet in book.worksheets:
                for row in sheet.iter_rows():
                    for cell in row:
                        assert cell.data_type != "f", (name, cell.coordinate, cell.value)
                        assert not (isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@"))), name
        elif name.endswith(".csv"):
            for row in _csv_bytes(data):
                assert not any(v.startswith(("=", "+", "-", "@")) for v in row), name


def test_export_refuses_another_scenario_and_an_existing_out(putuo: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", str(putuo), str(TINY), "--out", str(tmp_path / "x"), "--lang", "en"])
    assert result.exit_code == 2 and "different scenario" in result.output
    assert not (tmp_path / "x").exists()
    (tmp_path / "y").mkdir()
    result = runner.invoke(app, ["export", str(putuo), str(PUTUO), "--out", str(tmp_path / "y")])
    assert result.exit_code == 2 and "--force" in result.output


@pytest.mark.slow
def test_changning_documents(changning: Path, tmp_path: Path) -> None:
    scenario = load_scenario(CHANGNING)
    out = tmp_path / "docs"
    result = runner.invoke(app, ["export", str(changning), str(CHANGNING), "--out", str(out), "--format", "xlsx",
                                 "--format", "csv", "--format", "html"])
    assert result.exit_code == 0, result.output
    visits = pl.read_parquet(changning / "visits.parquet")
    table = _csv(out / "plan-table.csv")
    assert len(table) == len(scenario.tasks) + 2
    assert [r[1] for r in table[1:-1]] == [t.name for t in scenario.tasks]
    drawn = pl.read_parquet(changning / "draws.parquet").filter("selected").group_by("task_id").len()
    assert {r[-1]: int(r[6]) for r in table[1:-1]} == dict(drawn.iter_rows())
    sheets = _csv(out / "task-sheets.csv")
    assert len(sheets) - 1 == visits.height
    at = sheets[0].index("检查码")
    for row in sheets[1:4]:
        result = runner.invoke(app, ["code", "check", row[at], "--plan", str(changning), "--lang", "en"])
        assert result.exit_code == 0 and "genuine" in result.output, result.output
    assert len(_csv(out / "calendar.csv")) - 1 == int(visits["departments"].list.len().sum())
    assert len(_csv(out / "results-template.csv")) - 1 == visits.height
    pdf = make_documents(changning, scenario, ["plan-table"], ["pdf"])["plan-table.pdf"]
    assert pdf.startswith(b"%PDF") and b"/FontFile2" in pdf  # the CJK font embedded (see test_papers.py)
