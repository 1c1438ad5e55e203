"""An adjustment re-bundles the future around the visits it keeps: their officer-visits count against each
department's weekly capacity, so a task added into a week the kept visits already fill is left unplaced
(with the capacity named) rather than given a visit no team can staff; ``check`` passes on the result.

Instance: tiny with the culture department (CULT) cut to 3 officer-visits a week (three officers of
capacity 1; a joint visit sends 2 of them), so one CULT visit fills its week. The update adds a CULT task
whose window is the single week of a kept future CULT visit, on subjects of another object type.
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest
import yaml

from optimizer.adjust import adjust_plan, write_adjusted
from optimizer.check import check_plan, read_plan
from optimizer.export import write_plan
from optimizer.plan import make_plan
from rules import evaluate, load_policy
from scenarios import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
AS_OF = dt.date(2024, 4, 1)
VALUE = "7"


def _tight_tiny(dst: Path) -> Path:
    shutil.copytree(SCENARIOS / "tiny", dst)
    officers = pl.read_csv(dst / "officers.csv", infer_schema=False)
    officers = officers.with_columns(pl.when(pl.col("department") == "CULT").then(pl.lit("1"))
                                     .otherwise(pl.col("weekly_capacity")).alias("weekly_capacity"))
    officers.write_csv(dst / "officers.csv")
    return dst


def _weekly_load(plan_dir: Path, scenario) -> pl.DataFrame:  # noqa: ANN001
    """department, ISO week, officer-visits the visits need (per visit and department the most any of its
    tasks of that department asks, under the scenario's rules), the department's weekly capacity."""
    plan = read_plan(plan_dir)
    tasks = evaluate(scenario, load_policy(scenario.policy)).tasks.select(
        "task_id", pl.col("required_departments").alias("department"), "min_officers_per_department").explode("department")
    capacity = scenario.officers.group_by("department").agg(pl.col("weekly_capacity").sum().alias("capacity"))
    per_visit = (plan.visits.select("visit_id", "date", pl.col("task_ids").alias("task_id")).explode("task_id")
                 .join(tasks, on="task_id").group_by("visit_id", "date", "department")
                 .agg(pl.col("min_officers_per_department").max().alias("need")))
    return (per_visit.with_columns(pl.col("date").dt.iso_year().alias("y"), pl.col("date").dt.week().alias("w"))
            .group_by("department", "y", "w").agg(pl.col("need").sum().alias("len")).join(capacity, on="department"))


@pytest.fixture(scope="module")
def tight(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("adjust-capacity")
    base = load_scenario(_tight_tiny(root / "tight"))
    write_plan(make_plan(base, VALUE), root / "v1")
    v1 = read_plan(root / "v1")
    cult = v1.assignments.filter(pl.col("department") == "CULT")["visit_id"].unique().implode()
    kept = v1.visits.filter(pl.col("visit_id").is_in(cult) & (pl.col("date") >= AS_OF + dt.timedelta(days=7))).sort("date")
    assert kept.height, "the tight plan has a CULT visit after the adjustment date"
    visit = kept.row(0, named=True)
    subject_type = base.subjects.filter(pl.col("subject_id") == visit["subject_id"])["object_types"].item()
    other = "travel_agency" if "entertainment" in str(subject_type) else "entertainment_venue"
    monday = visit["date"] - dt.timedelta(days=visit["date"].weekday())
    spec = yaml.safe_load((root / "tight" / "scenario.yaml").read_text(encoding="utf-8"))
    spec["tasks"].append({"id": "T09", "name": "文化市场专项检查", "lead": "CULT", "partners": [],
                          "items": ["C02" if other == "travel_agency" else "C01"], "object_type": other,
                          "window": {"start": monday.isoformat(), "end": (monday + dt.timedelta(days=4)).isoformat()},
                          "count": 1})
    updated_dir = root / "tight-2"
    shutil.copytree(root / "tight", updated_dir)
    (updated_dir / "scenario.yaml").write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False), encoding="utf-8")
    updated = load_scenario(updated_dir)
    adjusted = adjust_plan(root / "v1", updated, VALUE, AS_OF)
    write_adjusted(adjusted, root / "v2")
    return {"root": root, "base": base, "updated": updated, "adjusted": adjusted, "week": visit["date"].isocalendar()[:2]}


def test_the_tight_plan_fills_the_week_with_its_kept_visit(tight: dict) -> None:
    load = _weekly_load(tight["root"] / "v1", tight["base"])
    y, w = tight["week"]
    row = load.filter((pl.col("department") == "CULT") & (pl.col("y") == y) & (pl.col("w") == w))
    assert row["len"].item() + 2 > row["capacity"].item(), "no room for a second CULT visit that week"


def test_kept_visits_count_against_department_capacity(tight: dict) -> None:
    load = _weekly_load(tight["root"] / "v2", tight["updated"])
    over = load.filter(pl.col("len") > pl.col("capacity"))
    assert over.height == 0, over
    # the added task could only go into the full week: left unplaced, the capacity named as the cause
    unplaced = read_plan(tight["root"] / "v2").unplaced.filter(pl.col("task_id") == "T09")
    drawn = tight["adjusted"].draws.filter((pl.col("task_id") == "T09") & pl.col("selected"))
    assert drawn.height == 1 and unplaced.height == 1
    assert "capacity" in tight["adjusted"].unplaced.filter(pl.col("task_id") == "T09")["reason"].item()
    # the only problem is the bundler's: the department's capacity is short for the added pair (no team left short)
    problems = tight["adjusted"].manifest["problems"]["adjust"]
    assert problems and all(p.startswith("department CULT: weekly capacity") and "T09" in p for p in problems), problems


def test_check_passes_on_the_adjusted_tight_plan(tight: dict) -> None:
    assert check_plan(tight["root"] / "v2", tight["updated"]) == []
