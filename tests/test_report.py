"""The year's report (issue 30): counts and rates against an independent count, intervals against the textbook
Wilson formula, on results built with known odds per risk class."""

from __future__ import annotations

import json
import math
import random
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from ui.cli import app

REPO = Path(__file__).resolve().parent.parent
runner = CliRunner()
Z = 1.959963984540054
ODDS = {"A": 0.1, "B": 0.3, "C": 0.5, "D": 0.8}  # chance a visit of the class finds a problem


def _textbook_wilson(k: int, n: int) -> tuple[float, float]:
    """Wilson (1927) in the textbook's closed form: (2np + z² ∓ z√(z² + 4np(1−p))) / (2(n + z²))."""
    p = k / n
    root = Z * math.sqrt(Z * Z + 4 * n * p * (1 - p))
    return (2 * n * p + Z * Z - root) / (2 * (n + Z * Z)), (2 * n * p + Z * Z + root) / (2 * (n + Z * Z))


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("report")
    result = runner.invoke(app, ["plan", str(REPO / "scenarios" / "putuo-2023"), "--seed", "1", "--out", str(root / "plan")])
    assert result.exit_code == 0, result.output
    subjects = pl.read_csv(REPO / "scenarios" / "putuo-2023" / "subjects.csv", infer_schema=False)
    visits = pl.read_parquet(root / "plan" / "visits.parquet").join(
        subjects.select("subject_id", "risk_class"), on="subject_id").sort("visit_id")
    rng = random.Random(30)
    rows, truth = [], []
    for vid, date, cls in visits.select("visit_id", "date", "risk_class").iter_rows():
        found = int(rng.random() < ODDS[cls]) * rng.randint(1, 3)
        fixed = rng.randint(0, found)
        rows.append(f"{vid},{date},{found},{fixed},{date}")
        truth.append({"visit_id": vid, "risk_class": cls, "found": found, "fixed": fixed})
    (root / "results.csv").write_text("visit_id,result_date,problems_found,problems_rectified,published_date\n"
                                      + "\n".join(rows) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["report", str(root / "plan"), str(REPO / "scenarios" / "putuo-2023"), "--results",
                                 str(root / "results.csv"), "--out", str(root / "report"), "--as-of", "2023-12-31"])
    assert result.exit_code == 0, result.output
    return {"root": root, "truth": pl.DataFrame(truth), "report": json.loads((root / "report" / "report.json").read_text())}


def test_class_counts_and_rates_equal_an_independent_count(planned) -> None:
    truth, report = planned["truth"], planned["report"]
    for cls, group in truth.group_by("risk_class"):
        row = report["by_risk_class"][cls[0]]
        n, k = group.height, int((group["found"] > 0).sum())
        assert (row["visits"], row["visits_with_problems"]) == (n, k)
        assert row["problems_found"] == group["found"].sum() and row["problems_rectified"] == group["fixed"].sum()
        assert row["rate"] == pytest.approx(k / n)
        low, high = _textbook_wilson(k, n)
        assert row["ci95"] == pytest.approx([low, high], abs=1e-12)
    assert report["totals"]["visits_with_result"] == truth.height
    a = report["by_risk_class"].get("A")
    for row in report["by_risk_class"].values():
        if a and a["rate"]:
            assert row["ratio_to_A"] == pytest.approx(row["rate"] / a["rate"])


def test_wilson_intervals_at_the_edges() -> None:
    from records.report import wilson

    assert wilson(0, 0) is None
    assert wilson(0, 10)[0] == pytest.approx(0.0) and wilson(10, 10)[1] == pytest.approx(1.0)
    low, high = _textbook_wilson(3, 10)
    assert wilson(3, 10) == pytest.approx([low, high])


def test_the_papers_name_tasks_and_departments_not_ids(planned) -> None:
    html = (planned["root"] / "report" / "report.html").read_text(encoding="utf-8")
    report = planned["report"]
    assert "问题发现率" in html and "<svg" in html
    from scenarios import load_scenario

    scenario = load_scenario(REPO / "scenarios" / "putuo-2023")
    for task in scenario.tasks:
        if task.id in report["by_task"]:
            assert task.name in html
    assert (planned["root"] / "report" / "report.xlsx").stat().st_size > 0


def test_report_force_keeps_a_planners_file(planned, tmp_path: Path) -> None:
    out = tmp_path / "r"
    shutil.copytree(planned["root"] / "report", out)
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["report", str(planned["root"] / "plan"), str(REPO / "scenarios" / "putuo-2023"),
                                 "--results", str(planned["root"] / "results.csv"), "--out", str(out), "--force"])
    assert result.exit_code == 2 and "notes.txt" in result.output


def test_results_as_offices_enter_them(planned, tmp_path: Path) -> None:
    """A GB18030 CSV with the template's Chinese headers, dates written 2023/3/1, 2023年3月1日 or as Excel serial
    days, full-width digits: read as the project's ids; a bad cell is named by the header the office wrote."""
    import datetime as dt

    from optimizer.check import read_plan
    from records.results import read_results

    plan = read_plan(planned["root"] / "plan")
    visits = plan.visits.sort("visit_id").head(3)
    forms = [lambda d: f"{d.year}/{d.month}/{d.day}", lambda d: f"{d.year}年{d.month}月{d.day}日",
             lambda d: str((d - dt.date(1899, 12, 30)).days)]
    lines = ["检查编号,结果形成日期,发现问题（个）,已整改问题(个),结果公示日期"]
    for (vid, day), form in zip(visits.select("visit_id", "date").iter_rows(), forms):
        lines.append(f"{vid},{form(day)},２,1,{form(day)}")
    path = tmp_path / "结果.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    done = read_results(path, plan, 20, dt.date(2023, 12, 31))
    assert done.ok, [str(p) for p in done.problems]
    assert sorted(done.table["result_date"].to_list()) == sorted(visits["date"].to_list())
    assert done.table["problems_found"].to_list() == [2, 2, 2]
    path.write_bytes(("\r\n".join([lines[0], lines[1].replace(lines[1].split(",")[1], "2023/13/40", 1)]) + "\r\n")
                     .encode("gb18030"))
    bad = read_results(path, plan, 20, dt.date(2023, 12, 31))
    assert not bad.ok and bad.problems[0].field == "结果形成日期" and bad.problems[0].row == 2
