"""Publication (一公开): the public plan, statutory deadlines, results import and overdue reports."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from optimizer.calendar import CalendarError
from records.ledger import records, verify_ledger
from records.publish import deadlines_for

REPO = Path(__file__).resolve().parent.parent
TINY = REPO / "scenarios" / "tiny"
runner = CliRunner()


@pytest.fixture(scope="module")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from optimizer.export import write_plan
    from optimizer.plan import make_plan
    from scenarios import load_scenario

    return write_plan(make_plan(load_scenario(TINY), "20240301"), tmp_path_factory.mktemp("pub") / "plan")


def test_deadlines_follow_the_statutory_calendar() -> None:
    """Formed Fri 2024-09-27: Sun 09-29 and Mon 09-30 are working days, 10-01..07 National Day holiday,
    Sat 10-12 a make-up working day — so 5 working days end on 10-10, 20 on 10-30."""
    d = deadlines_for(dt.date(2024, 9, 27), 2024, 5, 20, 3)
    assert d.plan_publish_by == dt.date(2024, 10, 10)
    assert d.plan_due == dt.date(2024, 3, 31) and d.made_late
    assert not deadlines_for(dt.date(2024, 3, 25), 2024, 5, 20, 3).made_late
    assert deadlines_for(dt.date(2024, 3, 25), 2024, 5, 20, 3).plan_publish_by == dt.date(2024, 4, 1)
    with pytest.raises(CalendarError, match="2100"):
        deadlines_for(dt.date(2100, 3, 1), 2100, 5, 20, 3)


def test_public_plan_has_tasks_and_counts_but_no_names(plan_dir: Path, tmp_path: Path, public_app) -> None:
    db = tmp_path / "j.db"
    out = tmp_path / "public"
    result = runner.invoke(public_app, ["publish", str(plan_dir), str(TINY), "--allow-unrecorded", "--out", str(out), "--formed", "2024-03-25",
                                    "--published", "2024-03-28", "--ledger", str(db), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "to be published by 2024-04-01" in result.output
    body = json.loads((out / "public_plan.json").read_text(encoding="utf-8"))
    assert len(body["tasks"]) == 6 and body["publication"]["plan_publish_by"] == "2024-04-01"
    t01 = body["tasks"][0]
    assert t01["lead"]["name"] == "区市场监管局" and t01["items"][0]["name"] and t01["window"]["start"]
    drawn = pl.read_parquet(plan_dir / "draws.parquet").filter("selected")
    assert sum(t["subjects_to_inspect"] for t in body["tasks"]) == drawn.height
    text = (out / "public_plan.json").read_text(encoding="utf-8") + (out / "public_plan.csv").read_text(encoding="utf-8-sig")
    subjects = pl.read_csv(TINY / "subjects.csv")
    officers = pl.read_csv(TINY / "officers.csv")
    for secret in [*subjects["subject_id"], *subjects["name"], *officers["officer_id"], *officers["name"]]:
        assert secret not in text, f"{secret} is published"
    assert "revealed" not in body and body["ledger_head"]["seq"] == 0  # the ledger was empty when published
    assert [r.kind for r in records(db)] == ["publish"] and verify_ledger(db).ok


def test_late_publication_exits_1_and_reveal_is_checked(plan_dir: Path, tmp_path: Path, public_app) -> None:
    app = public_app
    late = runner.invoke(app, ["publish", str(plan_dir), str(TINY), "--allow-unrecorded", "--out", str(tmp_path / "a"), "--formed",
                               "2024-09-27", "--published", "2024-10-11", "--no-ledger", "--lang", "en"])
    assert late.exit_code == 1 and "OVERDUE" in late.output and "after 2024-03-31" in late.output
    wrong = runner.invoke(app, ["publish", str(plan_dir), str(TINY), "--allow-unrecorded", "--out", str(tmp_path / "b"), "--formed",
                                "2024-03-25", "--reveal", "123", "--no-ledger", "--lang", "en"])
    assert wrong.exit_code == 2 and "does not match" in wrong.output and not (tmp_path / "b").exists()
    right = runner.invoke(app, ["publish", str(plan_dir), str(TINY), "--allow-unrecorded", "--out", str(tmp_path / "c"), "--formed",
                                "2024-03-25", "--reveal", "20240301", "--no-ledger", "--lang", "en"])
    assert right.exit_code == 0, right.output
    assert json.loads((tmp_path / "c" / "public_plan.json").read_text())["revealed"]["public_value"] == "20240301"
    exists = runner.invoke(app, ["publish", str(plan_dir), str(TINY), "--allow-unrecorded", "--out", str(tmp_path / "c"), "--no-ledger", "--lang", "en"])
    assert exists.exit_code == 2 and "--force" in exists.output


def test_uncovered_year_is_a_clear_error(plan_dir: Path, tmp_path: Path, public_app) -> None:
    result = runner.invoke(public_app, ["publish", str(plan_dir), str(TINY), "--allow-unrecorded", "--out", str(tmp_path / "p"),
                                    "--formed", "2100-03-01", "--no-ledger"])
    assert result.exit_code == 2 and "2100" in result.output and "chinese-calendar" in result.output
    assert not (tmp_path / "p").exists()


def test_wrong_scenario_is_refused(plan_dir: Path, tiny_copy: Path, edit, tmp_path: Path, public_app) -> None:
    edit(tiny_copy / "subjects.csv", "S002,新华路面馆", "S002,新华路面馆二店")
    result = runner.invoke(public_app, ["publish", str(plan_dir), str(tiny_copy), "--allow-unrecorded", "--out", str(tmp_path / "p"),
                                    "--formed", "2024-03-25", "--no-ledger", "--lang", "en"])
    assert result.exit_code == 2 and "different scenario" in result.output


def test_formula_in_a_task_name_is_escaped(tiny_copy: Path, edit, tmp_path: Path, public_app) -> None:
    from optimizer.export import write_plan
    from optimizer.plan import make_plan
    from scenarios import load_scenario

    edit(tiny_copy / "scenario.yaml", "name: 旅行社行业监管联合抽查", "name: \"=cmd|' /C calc'!A0\"")
    plan = write_plan(make_plan(load_scenario(tiny_copy), "7"), tmp_path / "plan")
    result = runner.invoke(public_app, ["publish", str(plan), str(tiny_copy), "--allow-unrecorded", "--out", str(tmp_path / "pub"),
                                    "--formed", "2024-03-25", "--no-ledger"])
    assert result.exit_code == 0, result.output
    csv_text = (tmp_path / "pub" / "public_plan.csv").read_text(encoding="utf-8-sig")
    assert "\"'=cmd|' /C calc'!A0\"" in csv_text and ",\"=cmd" not in csv_text


def _results_csv(path: Path, plan_dir: Path, published: dict[int, str] | None = None) -> list[dict]:
    visits = pl.read_parquet(plan_dir / "visits.parquet").sort("visit_id").head(4)
    rows = []
    for i, (v, d) in enumerate(visits.select("visit_id", "date").iter_rows()):
        rows.append({"visit_id": v, "result_date": str(d), "problems_found": str(i), "problems_rectified": str(max(0, i - 1)),
                     "published_date": (published or {}).get(i, ""), "note": "=cmd|x" if i == 0 else ""})
    pl.DataFrame(rows).write_csv(path)
    return rows


def test_results_import_summarises_and_reports_overdue(plan_dir: Path, tmp_path: Path, public_app) -> None:
    work = tmp_path / "plan"
    shutil.copytree(plan_dir, work)
    csv_path = tmp_path / "results.csv"
    rows = _results_csv(csv_path, work, {0: rows_date(work, 0, 1), 1: rows_date(work, 1, 60)})
    db = tmp_path / "j.db"
    result = runner.invoke(public_app, ["results", str(work), str(csv_path), "--as-of", "2024-12-31", "--ledger", str(db), "--allow-unrecorded", "--lang", "en"])
    assert result.exit_code == 1, result.output  # overdue ones exist
    table = pl.read_parquet(work / "results.parquet")
    assert table.height == 4 and table["problems_found"].sum() == 0 + 1 + 2 + 3
    overdue = set(table.filter("overdue")["visit_id"])
    assert rows[0]["visit_id"] not in overdue              # published the next day
    assert {rows[1]["visit_id"], rows[2]["visit_id"], rows[3]["visit_id"]} == overdue  # late or never published
    assert "Results of plan tiny" in result.output and "overdue" in result.output
    rec = records(db)[-1]
    assert rec.kind == "results" and rec.body["overdue"] == 3 and verify_ledger(db).ok
    from optimizer.check import check_plan
    from scenarios import load_scenario

    assert check_plan(work, load_scenario(TINY)) == []  # results.parquet does not disturb the plan


def rows_date(plan_dir: Path, index: int, days_after: int) -> str:
    visits = pl.read_parquet(plan_dir / "visits.parquet").sort("visit_id")
    return str(visits["date"][index] + dt.timedelta(days=days_after))


def test_results_in_time_exit_0(plan_dir: Path, tmp_path: Path, public_app) -> None:
    work = tmp_path / "plan"
    shutil.copytree(plan_dir, work)
    csv_path = tmp_path / "results.csv"
    _results_csv(csv_path, work, {i: rows_date(work, i, 2) for i in range(4)})
    result = runner.invoke(public_app, ["results", str(work), str(csv_path), "--as-of", "2024-12-31", "--no-ledger", "--allow-unrecorded"])
    assert result.exit_code == 0, result.output and "0 overdue" in result.output


def test_bad_results_rows_are_all_reported_and_nothing_recorded(plan_dir: Path, tmp_path: Path, public_app) -> None:
    work = tmp_path / "plan"
    shutil.copytree(plan_dir, work)
    csv_path = tmp_path / "results.csv"
    csv_path.write_text(
        "visit_id,result_date,problems_found,problems_rectified\n"
        "V9999,2024-05-01,1,0\n"          # row 2: unknown visit
        "V0001,2024-13-01,1,0\n"          # row 3: bad date
        "V0002,2024-12-01,-1,x\n"         # row 4: bad counts
        "V0003,2024-12-01,1,2\n"          # row 5: more rectified than found
        "V0003,2024-12-01,1,1\n",         # row 6: duplicate visit
        encoding="utf-8")
    result = runner.invoke(public_app, ["results", str(work), str(csv_path), "--no-ledger", "--allow-unrecorded", "--lang", "en"])
    assert result.exit_code == 1
    for where in ("row 2, visit_id", "row 3, result_date", "row 4, problems_found", "row 4, problems_rectified",
                  "row 5, problems_rectified", "row 6, visit_id"):
        assert where in result.output, where
    assert not (work / "results.parquet").exists()
    missing = tmp_path / "m.csv"
    missing.write_text("visit_id,result_date\nV0001,2024-05-01\n")
    result = runner.invoke(public_app, ["results", str(work), str(missing), "--no-ledger", "--allow-unrecorded", "--lang", "en"])
    assert result.exit_code == 1 and "problems_found: required column is missing" in result.output
    result = runner.invoke(public_app, ["results", str(tmp_path), str(missing), "--no-ledger", "--lang", "en"])
    assert result.exit_code == 2 and "not a plan directory" in result.output
