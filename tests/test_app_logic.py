"""The app's logic without Streamlit: uploads (CSV and .xlsx), what-ifs, figures and exports."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from optimizer.plan import make_plan
from scenarios import load_scenario
from ui.webapp.charts.figures import (
    distribution_frame,
    gantt_frame,
    heat_frame,
    network_frames,
    pairing_graph,
    reduction,
)
from ui.webapp.exports import (
    SHEETS_ZH,
    announcement_html,
    announcement_markdown,
    csv_zip_bytes,
    excel_bytes,
)
from ui.webapp.scenario_io import check_upload
from ui.webapp.whatif import (
    WhatIf,
    apply_whatif,
    capacity_table,
    policy_parameters,
    reform,
)

TINY = Path(__file__).resolve().parent.parent / "scenarios" / "tiny"


@pytest.fixture(scope="module")
def tiny():
    return load_scenario(TINY)


@pytest.fixture(scope="module")
def plan(tiny):
    return make_plan(tiny, "20240301")


def _workbook(subject_edit=None) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name in ("subjects", "officers"):
        sheet = book.create_sheet(name)
        for i, line in enumerate((TINY / f"{name}.csv").read_text(encoding="utf-8").splitlines()):
            cells = line.split(",")
            if name == "subjects" and subject_edit and i == subject_edit[0]:
                cells[3] = subject_edit[1]
            sheet.append([int(c) if c.isdigit() else c for c in cells])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_xlsx_upload_loads_the_same_scenario(tiny):
    scenario, problems, origin = check_upload([("scenario.yaml", (TINY / "scenario.yaml").read_bytes()),
                                               ("book.xlsx", _workbook())])
    assert not [p for p in problems if p.severity == "error"]
    assert scenario.content_hash == tiny.content_hash
    assert origin["subjects.csv"] == "book.xlsx › subjects"


def test_xlsx_problem_names_workbook_sheet_row_and_field():
    _, problems, _ = check_upload([("scenario.yaml", (TINY / "scenario.yaml").read_bytes()),
                                   ("book.xlsx", _workbook(subject_edit=(4, "E")))])
    assert any(p.file == "book.xlsx › subjects" and p.row == 5 and p.field == "risk_class" for p in problems)


def test_reform_keeps_only_changes(tiny):
    params = policy_parameters("shanghai-2024", tiny)
    names = {p["name"] for p in params}
    assert {"general_item_cap", "class_multiplier"} <= names
    chosen = {"class_multiplier": {"A": 0.5, "B": 1.0, "C": 1.5, "D": 3.0}, "general_item_cap": 0.05}
    assert reform(params, chosen) == {"class_multiplier.D": 3.0}
    assert "annual_visit_cap" in {p["name"] for p in policy_parameters("changning-2024", tiny)}


def test_capacity_whatif_shares_the_total_among_officers(tiny):
    changed = apply_whatif(tiny, capacities={"SAMR": 10})
    table = capacity_table(changed).filter(pl.col("department") == "SAMR")
    assert table["weekly_capacity"][0] == 10
    assert changed.content_hash != tiny.content_hash
    assert apply_whatif(tiny) is tiny


def test_window_whatif_checks_flex_and_year(tiny):
    moved = apply_whatif(tiny, windows={"T04": (dt.date(2024, 5, 6), dt.date(2024, 6, 28), None, None)})
    assert next(t for t in moved.tasks if t.id == "T04").window.start == dt.date(2024, 5, 6)
    with pytest.raises(ValueError, match="not inside its flex"):
        apply_whatif(tiny, windows={"T01": (dt.date(2024, 1, 2), dt.date(2024, 3, 1),
                                            dt.date(2024, 2, 1), dt.date(2024, 6, 28))})
    with pytest.raises(ValueError, match="before start"):
        apply_whatif(tiny, windows={"T04": (dt.date(2024, 6, 1), dt.date(2024, 5, 1), None, None)})
    with pytest.raises(ValueError, match="scenario year"):
        apply_whatif(tiny, windows={"T04": (dt.date(2025, 1, 2), dt.date(2025, 2, 1), None, None)})


def test_figures_agree_with_the_plan(plan):
    heat = heat_frame(plan)
    assert heat["officer_visits"].sum() == plan.teams.assignments.height
    assert heat.filter(pl.col("officer_visits") > pl.col("capacity")).is_empty()
    assert reduction(plan.kpis) == pytest.approx(plan.kpis["visits"] / plan.kpis["subject_visits_single_department"] - 1)
    nodes, edges = network_frames(pairing_graph(plan))
    assert set(nodes["department"]) <= set(plan.scenario.departments) and edges.height % 2 == 0
    assert gantt_frame(plan).height == 2 * len(plan.scenario.tasks)
    assert distribution_frame(plan)["subjects"].sum() == plan.kpis["subjects_visited"]


def test_excel_has_one_sheet_per_table_with_chinese_headers(plan):
    book = openpyxl.load_workbook(io.BytesIO(excel_bytes(plan)))
    assert book.sheetnames == list(SHEETS_ZH.values())
    visits = book["检查计划"]
    assert [c.value for c in visits[1]][:4] == ["检查编号", "检查日期", "周次", "检查对象编号"]
    assert visits.max_row == plan.visits.height + 1
    names = zipfile.ZipFile(io.BytesIO(csv_zip_bytes(plan))).namelist()
    assert "visits.csv" in names and "assignments.csv" in names


def test_announcement_lists_tasks_without_people(plan):
    text = announcement_markdown(plan) + announcement_html(plan)
    for task in plan.scenario.tasks:
        assert task.name in text
    for name in plan.scenario.officers["name"].to_list() + plan.scenario.officers["officer_id"].to_list():
        assert name not in text
    for subject in plan.visits["subject_id"].to_list():
        assert subject not in text
    assert "区市场监管局" in text


def test_jobs_run_a_whatif_in_a_thread(tiny):
    from ui.webapp.jobs import submit

    job = submit(tiny, WhatIf(policy="shanghai-2024", overrides={"class_multiplier.D": 3}))
    run = job.result(timeout=60)
    assert job.stage == "done" and job.fraction == 1.0
    assert run.plan.settings.overrides == {"class_multiplier.D": 3}
    with pytest.raises(Exception, match="unknown parameter"):
        submit(tiny, WhatIf(policy="shanghai-2024", overrides={"no_such": 1}))
