"""Officers' availability as data (scenarios/availability.py): validated like the directories, used by the
calendar, bundling and teams, and enforced by ``check`` (an officer away, a week over the capacity available)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from optimizer.check import check_plan
from optimizer.export import write_plan
from optimizer.plan import make_plan
from scenarios import load_scenario
from scenarios.availability import officer_weeks
from scenarios.load import check_scenario

TINY = Path(__file__).resolve().parents[1] / "scenarios" / "tiny"
VALUE = "20240301"


def _with_availability(tmp_path: Path, rows: str, name: str = "availability.csv") -> Path:
    root = tmp_path / "scenario"
    shutil.copytree(TINY, root)
    text = (root / "scenario.yaml").read_text(encoding="utf-8")
    (root / "scenario.yaml").write_text(text.replace("officers: officers.csv", "officers: officers.csv\navailability: " + name)
                                        if "officers: officers.csv" in text else text + f"\navailability: {name}\n",
                                        encoding="utf-8")
    (root / name).write_text("officer_id,start,end,weekly_capacity\n" + rows, encoding="utf-8")
    return root


def test_bad_rows_are_named_by_file_row_and_field(tmp_path: Path) -> None:
    root = _with_availability(tmp_path, "\n".join([
        "NOBODY,2024-03-01,2024-03-10,0",   # row 2: unknown officer
        "O01,2024-05-10,2024-05-01,0",      # row 3: end before start
        "O01,2023-12-20,2024-01-05,0",      # row 4: outside the plan year
        "O02,2024-03-01,2024-03-10,-1",     # row 5: negative capacity
        "O02,2024-02-30,2024-03-10,1",      # row 6: not a date
    ]) + "\n")
    scenario, problems = check_scenario(root)
    assert scenario is None
    found = {(p.file, p.row, p.field, p.code) for p in problems if p.severity == "error"}
    assert ("availability.csv", 2, "officer_id", "availability.unknown_officer") in found
    assert ("availability.csv", 3, "end", "availability.reversed") in found
    assert ("availability.csv", 4, "start", "availability.out_of_year") in found
    assert ("availability.csv", 5, "weekly_capacity", "cell.count") in found
    assert ("availability.csv", 6, "start", "cell.date") in found
    for p in problems:  # both languages, no code left in either
        assert p.text("zh") and p.text("en") and "availability." not in p.text("zh")


def test_overlapping_rows_take_the_smallest_capacity_in_every_week_they_touch() -> None:
    rows = pl.DataFrame({"officer_id": ["O01", "O01"], "start": [dt.date(2024, 3, 6), dt.date(2024, 3, 11)],
                         "end": [dt.date(2024, 3, 12), dt.date(2024, 3, 13)], "weekly_capacity": [2, 0]})
    weeks = officer_weeks(rows)
    assert weeks.rows() == [("O01", dt.date(2024, 3, 4), 2), ("O01", dt.date(2024, 3, 11), 0)]


def _away_rows(plan_dir: Path, away: dict[str, tuple[dt.date, dt.date]]) -> pl.DataFrame:
    visits = pl.read_parquet(plan_dir / "visits.parquet").select("visit_id", "date")
    team = pl.read_parquet(plan_dir / "assignments.parquet").join(visits, on="visit_id")
    hits = [team.filter((pl.col("officer_id") == o) & pl.col("date").is_between(a, b)) for o, (a, b) in away.items()]
    return pl.concat(hits)


def test_a_plan_sends_nobody_who_is_away_and_passes_check(tmp_path: Path) -> None:
    base = load_scenario(TINY)
    plain = write_plan(make_plan(base, VALUE), tmp_path / "plain")
    # the two officers busiest in the plain plan are away for the weeks of their first visits
    visits = pl.read_parquet(Path(plain) / "visits.parquet").select("visit_id", "date")
    team = pl.read_parquet(Path(plain) / "assignments.parquet").join(visits, on="visit_id")
    busy = team.group_by("officer_id").agg(pl.len(), pl.col("date").min()).sort("len", "officer_id", descending=[True, False]).head(2)
    away = {o: (d - dt.timedelta(days=d.weekday()), d - dt.timedelta(days=d.weekday()) + dt.timedelta(days=20))
            for o, _, d in busy.rows()}
    assert _away_rows(Path(plain), away).height > 0  # without availability they would go
    rows = "".join(f"{o},{a},{b},0\n" for o, (a, b) in sorted(away.items()))
    root = _with_availability(tmp_path, rows)
    scenario = load_scenario(root)
    assert scenario.availability.height == 2
    plan = make_plan(scenario, VALUE)
    out = Path(write_plan(plan, tmp_path / "with"))
    assert _away_rows(out, away).height == 0
    assert check_plan(out, scenario) == []
    # check refuses the plain plan under this availability: those officers were away
    codes = {v.code for v in check_plan(plain, scenario.model_copy(update={"content_hash": base.content_hash}))}
    assert "availability.away" in codes


def test_check_refuses_a_week_over_the_capacity_available(tmp_path: Path) -> None:
    base = load_scenario(TINY)
    plain = Path(write_plan(make_plan(base, VALUE), tmp_path / "plain"))
    visits = pl.read_parquet(plain / "visits.parquet").select("visit_id", "date")
    team = pl.read_parquet(plain / "assignments.parquet").join(visits, on="visit_id").with_columns(
        pl.col("date").dt.truncate("1w").alias("monday"))
    o, monday, day = team.sort("officer_id", "date").select("officer_id", "monday", "date").row(0)
    # a day off on the week's Sunday: no visit that day, but the week's capacity is 0 (ISO weeks overlapping it)
    sunday = monday + dt.timedelta(days=6)
    assert day != sunday
    root = _with_availability(tmp_path, f"{o},{sunday},{sunday},0\n")
    scenario = load_scenario(root)
    violations = check_plan(plain, scenario.model_copy(update={"content_hash": base.content_hash}))
    over = [v for v in violations if v.code == "capacity.over"]
    assert over and o in over[0].where and "capacity 0" in over[0].message
    assert not [v for v in violations if v.code == "availability.away"]  # the visit is not on the day off


def test_without_availability_the_scenario_hash_and_plan_are_unchanged() -> None:
    a = load_scenario(TINY)
    assert a.availability is None and a.spec.availability is None
    assert "availability" not in a.spec.model_dump(mode="json", exclude={"availability"})


@pytest.mark.parametrize("capacity", [0])
def test_a_whole_department_away_leaves_its_pairs_unplaced_with_a_reason(tmp_path: Path, capacity: int) -> None:
    base = load_scenario(TINY)
    samr = base.officers.filter(pl.col("department") == "SAMR")["officer_id"].to_list()
    rows = "".join(f"{o},2024-01-01,2024-12-31,{capacity}\n" for o in samr)
    scenario = load_scenario(_with_availability(tmp_path, rows))
    plan = make_plan(scenario, VALUE)
    assert plan.visits.filter(pl.col("departments").list.contains("SAMR")).height == 0
    assert plan.bundle.unplaced.height > 0
    assert plan.bundle.unplaced["reason"].str.contains("SAMR").all()
    assert plan.bundle.unplaced["reason_zh"].str.contains("SAMR").all()


def test_a_department_away_for_a_task_s_whole_range_gets_a_certificate_in_both_languages(tmp_path: Path) -> None:
    from optimizer.plan import solver_notes
    from ui.notes import note_text

    base = load_scenario(TINY)
    samr = base.officers.filter(pl.col("department") == "SAMR")["officer_id"].to_list()
    scenario = load_scenario(_with_availability(tmp_path, "".join(f"{o},2024-01-01,2024-12-31,0\n" for o in samr)))
    plan = make_plan(scenario, VALUE)
    certificate = [c for c in plan.run.alignment.shortfall if c["department"] == "SAMR"]
    assert certificate and certificate[0]["available"] == 0 and certificate[0]["add"] >= certificate[0]["needed"] > 0
    notes = [n for n in solver_notes(plan) if n.startswith("calendar capacity: department SAMR")]
    assert notes
    zh = note_text(notes[0], "zh")
    assert "未翻译" not in zh and "SAMR" in zh and "最小调整" in zh
