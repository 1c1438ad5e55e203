"""The plan end to end: lawful by the checker, reproducible to the byte, verifiable from the seed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from optimizer.check import check_plan
from optimizer.export import write_plan
from optimizer.plan import make_plan
from optimizer.verify import verify_draw
from scenarios import load_scenario
from ui.cli import app

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
runner = CliRunner()
FILES = ("manifest.json", "draws.parquet", "visits.parquet", "assignments.parquet", "unplaced.parquet")


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("plans") / "tiny"
    result = runner.invoke(app, ["plan", str(SCENARIOS / "tiny"), "--seed", "20240301", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_tiny_plan_passes_every_check(tiny_plan: Path) -> None:
    assert check_plan(tiny_plan, load_scenario(SCENARIOS / "tiny")) == []
    manifest = json.loads((tiny_plan / "manifest.json").read_text(encoding="utf-8"))
    assert {t["id"] for t in manifest["tasks"]} == {"T01", "T02", "T03", "T04", "T05", "T06"}
    assert manifest["kpis"]["visits"] == pl.read_parquet(tiny_plan / "visits.parquet").height
    visits = pl.read_parquet(tiny_plan / "visits.parquet")
    assert visits.columns[:7] == ["visit_id", "subject_id", "date", "task_ids", "departments", "items", "inspection_code"]
    assert pl.read_parquet(tiny_plan / "assignments.parquet").columns == ["visit_id", "officer_id", "department"]


def test_same_seed_gives_byte_identical_files(tiny_plan: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    result = runner.invoke(app, ["plan", str(SCENARIOS / "tiny"), "--seed", "20240301", "--out", str(again)])
    assert result.exit_code == 0, result.output
    for name in FILES:
        assert (again / name).read_bytes() == (tiny_plan / name).read_bytes(), name


def test_other_seed_draws_otherwise(tiny_plan: Path) -> None:
    scenario = load_scenario(SCENARIOS / "tiny")
    other = make_plan(scenario, "777")
    first = pl.read_parquet(tiny_plan / "draws.parquet").filter("selected")["subject_id"].sort().to_list()
    assert other.run.draw.draws.filter("selected")["subject_id"].sort().to_list() != first


def test_verify_accepts_the_seed_and_rejects_others(tiny_plan: Path) -> None:
    scenario = load_scenario(SCENARIOS / "tiny")
    assert verify_draw(tiny_plan, scenario, "20240301").ok
    wrong = verify_draw(tiny_plan, scenario, "20240302")
    assert not wrong.commitment_ok and wrong.mismatches


def test_check_catches_tampering(tiny_plan: Path, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "tiny")
    copy = tmp_path / "tampered"
    shutil.copytree(tiny_plan, copy)
    visits = pl.read_parquet(copy / "visits.parquet")
    visits.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.date(2024, 10, 1)).otherwise(pl.col("date"))
                        .alias("date")).write_parquet(copy / "visits.parquet")
    found = {v.check for v in check_plan(copy, scenario)}
    assert {"files", "dates"} <= found  # hash no longer matches; National Day is not a working day
    result = runner.invoke(app, ["check", str(copy), str(SCENARIOS / "tiny"), "--allow-unrecorded"])
    assert result.exit_code == 1 and ("violation" in result.output or "tampered" in result.output)
    assert "visits.parquet" in result.output


def test_putuo_plans_get_their_published_sizes(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "putuo-2023")
    plan = make_plan(scenario, "2023")
    out = write_plan(plan, tmp_path / "putuo")
    drawn = dict(plan.run.draw.draws.filter("selected").group_by("task_id").len().iter_rows())
    assert [drawn[t.id] for t in scenario.tasks] == [20, 4, 6, 6, 2, 2, 5, 6]
    assert check_plan(out, scenario) == []
    teams = pl.read_parquet(out / "assignments.parquet").group_by("visit_id", "department").len()
    assert teams["len"].min() >= 2  # at least 2 officers per department per visit (普陀 table)


def test_changning_beats_the_districts_figures(tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "changning-2024")
    plan = make_plan(scenario, "1")
    k = plan.kpis
    assert k["subject_visits_single_department"] == 2518
    assert k["sample_sizes_met"] == k["tasks"] == 55
    assert k["unplaced_pairs"] == 0
    assert k["visits"] <= 630
    assert k["visits"] < k["visits_independent_joint"]
    out = write_plan(plan, tmp_path / "cn")
    assert check_plan(out, scenario) == []


def test_a_tight_time_limit_keeps_the_best_plan_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "limited"
    result = runner.invoke(app, ["plan", str(SCENARIOS / "changning-2024"), "--seed", "1", "--out", str(out),
                                 "--time-limit", "0.05"])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    align = manifest["solver"]["align"]
    # greedy + local search need no CP-SAT time here and land within 1% of the per-profile bound
    assert align["status"] == "OPTIMAL" and align["gap"] <= 0.01
    assert align["all_in_one_round_bound"] <= align["visits_lower_bound"] <= align["expected_visits"]
    assert manifest["kpis"]["visits_lower_bound"] == round(align["visits_lower_bound"], 2)
    stopped = [n for n in manifest["solver_notes"] if "deterministic time limit" in n]
    if manifest["solver"]["bundle"]["status"] != "OPTIMAL":
        assert stopped and "deterministic time limit" in result.output.replace("\n", " ")
    assert check_plan(out, load_scenario(SCENARIOS / "changning-2024")) == []


def test_check_catches_a_team_without_its_qualification(tiny_plan: Path, tmp_path: Path) -> None:
    scenario = load_scenario(SCENARIOS / "tiny")
    copy = tmp_path / "unqualified"
    shutil.copytree(tiny_plan, copy)
    holders = scenario.officers.filter(pl.col("qualifications").list.contains("food_safety"))["officer_id"]
    assignments = pl.read_parquet(copy / "assignments.parquet")
    assert assignments["officer_id"].is_in(holders.implode()).any()
    assignments.filter(~pl.col("officer_id").is_in(holders.implode())).write_parquet(copy / "assignments.parquet")
    found = [v for v in check_plan(copy, scenario) if v.check == "teams"]
    assert any("no officer of SAMR holds food_safety" in v.message for v in found)


def test_a_task_with_a_drawn_subject_left_unvisited_is_not_counted_as_met(tiny_copy: Path) -> None:
    """"Sample sizes met" counts samples carried out: with no SAMR capacity, SAMR's drawn pairs cannot be visited."""
    officers = pl.read_csv(tiny_copy / "officers.csv", infer_schema=False)
    officers.with_columns(pl.when(pl.col("department") == "SAMR").then(pl.lit("0")).otherwise("weekly_capacity")
                          .alias("weekly_capacity")).write_csv(tiny_copy / "officers.csv")
    made = make_plan(load_scenario(tiny_copy), "20240301")
    unplaced = made.bundle.unplaced["task_id"].unique().to_list()
    assert unplaced, "the capacity cut leaves pairs unplaced"
    k = made.kpis
    assert k["sample_sizes_met"] == k["tasks"] - len(unplaced)


@pytest.mark.parametrize("edit", [{"plan_id": "x"}, {"manifest_sha256": None}])
def test_a_hand_edited_manifest_is_caught_even_without_a_ledger_record(tiny_plan: Path, tmp_path: Path, edit) -> None:
    """The manifest carries its own digest: changing any field (here the plan id, or dropping the digest) shows."""
    copy = tmp_path / "plan"
    shutil.copytree(tiny_plan, copy)
    body = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    for key, value in edit.items():
        body.pop(key) if value is None else body.__setitem__(key, value)
    (copy / "manifest.json").write_text(json.dumps(body, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")
    found = check_plan(copy, load_scenario(SCENARIOS / "tiny"))
    assert any(v.check == "files" and v.where == "manifest.json" for v in found), found
