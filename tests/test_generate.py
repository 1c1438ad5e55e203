"""The generator is seeded, calibrated, and reproduces the bundled scenarios byte for byte."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from scenarios import load_scenario
from scenarios.atomic import atomic_directory
from scenarios.figures import scenario_figures
from scenarios.generate import generate_scenario, load_profile
from scenarios.generate.plan import calibrate_counts
from scenarios.generate.profile import TaskTemplate

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
FILES = ("scenario.yaml", "subjects.csv", "officers.csv")


@pytest.mark.parametrize("name", ["putuo-2023", "changning-2024"])
def test_bundled_scenario_is_the_generator_output(tmp_path: Path, name: str) -> None:
    out = generate_scenario(name, tmp_path / name)
    for file in FILES:
        assert (out / file).read_bytes() == (SCENARIOS / name / file).read_bytes(), f"{name}/{file} differs"


def test_other_seed_gives_other_directory(tmp_path: Path) -> None:
    a = generate_scenario("putuo-2023", tmp_path / "a", n_subjects=2000)
    b = generate_scenario("putuo-2023", tmp_path / "b", n_subjects=2000, seed=7)
    assert (a / "subjects.csv").read_bytes() != (b / "subjects.csv").read_bytes()
    assert load_scenario(b).subjects.height == 2000


def test_changning_matches_published_figures() -> None:
    scenario = load_scenario(SCENARIOS / "changning-2024")
    figures = scenario_figures(scenario)
    assert figures["departments"] == 27          # seed 002: 27 departments
    assert figures["tasks"] == 55                # 55 joint areas
    assert figures["items"] == 243               # 243 items
    assert figures["object_types"] == 58         # 58 object types
    assert figures["subjects"] == 60_000
    assert figures["single_department_subject_visits"] == 2518
    assert 200 <= figures["officers"] <= 500     # "a few hundred officers"
    used = {d for t in scenario.tasks for d in t.departments}
    assert used == set(scenario.departments), "every department takes part in some task"
    listed = {i for t in scenario.tasks for i in t.items}
    assert listed == set(scenario.items), "every listed item is inspected by some task"


def test_changning_directory_proportions() -> None:
    s = load_scenario(SCENARIOS / "changning-2024").subjects
    share = dict(s.group_by("risk_class").len().with_columns(pl.col("len") / s.height).iter_rows())
    assert 0.30 < share["A"] < 0.40 and 0.01 < share["D"] < 0.05
    penalized = s.group_by("risk_class").agg(pl.col("penalized_3y").mean()).sort("risk_class")["penalized_3y"]
    assert penalized[0] == 0 and penalized[3] > penalized[2] > penalized[1]  # concentrated in C and D
    multi = s.filter(pl.col("object_types").list.len() > 1)
    assert 0.05 < multi.height / s.height < 0.15
    restaurant_and_lifts = s.filter(
        pl.col("object_types").list.contains("restaurant") & pl.col("object_types").list.contains("elevator_building")
    )
    assert restaurant_and_lifts.height > 50  # a hotel with a restaurant that uses lifts


STREETS = {
    "changning-2024": {"华阳路街道", "江苏路街道", "新华路街道", "周家桥街道", "天山路街道", "仙霞新村街道", "虹桥街道",
                       "程家桥街道", "北新泾街道", "新泾镇"},
    "putuo-2023": {"长寿路街道", "曹杨新村街道", "长风新村街道", "宜川路街道", "甘泉路街道", "石泉路街道", "真如镇街道",
                   "万里街道", "长征镇", "桃浦镇"},
}


@pytest.mark.parametrize("name, area", [("changning-2024", "310105"), ("putuo-2023", "310107")])
def test_directory_looks_like_the_district(name: str, area: str) -> None:
    s = load_scenario(SCENARIOS / name).subjects
    assert set(s["grid"].unique()) == STREETS[name]
    firms = s.filter(pl.col("subject_id").str.len_chars() == 18)
    assert firms.height > 0.95 * s.height and (firms["subject_id"].str.slice(2, 6) == area).all()
    sole = firms.filter(pl.col("subject_id").str.starts_with("92"))["name"]
    company = firms.filter(pl.col("subject_id").str.starts_with("91"))["name"]
    assert company.str.ends_with("有限公司").all() and company.str.starts_with("上海").all()
    district = "长宁区" if name == "changning-2024" else "普陀区"
    assert sole.len() > 0 and sole.str.starts_with(district).all() and not sole.str.ends_with("有限公司").any()
    sites = s.filter(pl.col("object_types").list.first() == "construction_site")["subject_id"]
    assert sites.str.starts_with(f"GC-{area}-").all()  # projects, not firms: no credit code


def test_general_items_only_below_the_cap() -> None:
    scenario = load_scenario(SCENARIOS / "changning-2024")
    sizes = dict(scenario.subjects.select(pl.col("object_types").explode()).group_by("object_types").len().iter_rows())
    items = scenario.items
    for task in scenario.tasks:
        if task.count / sizes[task.object_type] > 0.05:
            assert all(items[i].kind == "key" for i in task.items), task.id


def test_putuo_plans_as_published() -> None:
    scenario = load_scenario(SCENARIOS / "putuo-2023")
    assert [t.count for t in scenario.tasks] == [20, 4, 6, 6, 2, 2, 5, 6]
    first = scenario.tasks[0]
    assert (first.name, first.lead, first.partners) == ("2023年春季开学食品安全联合抽查", "SAMR", ["EDU"])
    assert (first.window.start, first.window.end) == (dt.date(2023, 2, 15), dt.date(2023, 3, 31))
    gas = scenario.tasks[6]
    assert (gas.lead, gas.partners) == ("COMM", ["EMG", "SAMR", "FIRE"])
    assert scenario.departments["CUSTOMS"].name == "上海车站海关"
    items = scenario.items
    assert [items[i].name for i in first.items] == [  # the table's 主要检查事项: 食品安全情况、落实食品安全管理主体责任
        "学校食堂食品安全情况的检查", "落实食品安全管理主体责任情况检查", "学校食堂食品安全管理责任落实情况检查"]
    assert [items[i].name for i in gas.items] == [
        "对加油站经营情况的检查", "加油站安全生产检查", "加油机计量器具检查", "消防设施器材检查"]


def test_resized_directory_scales_the_plan(tmp_path: Path) -> None:
    out = generate_scenario("changning-2024", tmp_path / "small", n_subjects=10_000)
    figures = scenario_figures(load_scenario(out))
    assert figures["subjects"] == 10_000
    assert abs(figures["single_department_subject_visits"] - 2518 / 6) <= 40


def test_calibration_hits_target_within_caps() -> None:
    templates = [
        TaskTemplate(name="a", object_type="x", lead="D1", partners=["D2"], window=("01-01", "01-31"), count=10),
        TaskTemplate(name="b", object_type="y", lead="D1", partners=["D2", "D3"], window=("01-01", "01-31"), count=10),
        TaskTemplate(name="c", object_type="z", lead="D1", window=("01-01", "01-31"), count=10),
    ]
    counts = calibrate_counts(templates, {"x": 1000, "y": 1000, "z": 4}, target=101)
    assert 2 * counts[0] + 3 * counts[1] + counts[2] == 101
    assert counts[2] <= 4  # never more than the object type holds
    assert calibrate_counts(templates, {"x": 5, "y": 1000, "z": 1000}, target=None) == [5, 10, 10]


def test_profile_errors_are_clear() -> None:
    with pytest.raises(FileNotFoundError, match="bundled: changning-2024, putuo-2023"):
        load_profile("nowhere-2030")


def test_atomic_directory_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as staging:
            (staging / "half.csv").write_text("a,b\n1,", encoding="utf-8")
            raise RuntimeError("crash in the middle")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_atomic_directory_replaces_whole(tmp_path: Path) -> None:
    target = tmp_path / "out"
    with atomic_directory(target) as staging:
        (staging / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(FileExistsError):
        with atomic_directory(target):
            pass
    with atomic_directory(target, overwrite=True) as staging:
        (staging / "new.txt").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_larger_directory_gets_staff_in_proportion(tmp_path: Path) -> None:
    """Sample sizes grow with the directory (ratios), so officers must too: 2.5× the profile's size gets three
    officer directories — the profile's own first (as without scaling), then copies with their own ids and names, same departments,
    qualifications, grids and capacities — and the plan's tasks are the same as without scaling."""
    profile = load_profile("putuo-2023")
    n = profile.n_subjects * 5 // 2
    scaled = load_scenario(generate_scenario(profile, tmp_path / "scaled", n_subjects=n))
    short = load_scenario(generate_scenario(profile, tmp_path / "short", n_subjects=n, scale_staff=False))
    own = short.officers  # the profile's officer directory (as many as the profile says)
    assert own.height == sum(d.officers for d in profile.departments)
    assert scaled.officers.height == 3 * own.height
    assert scaled.officers["officer_id"].n_unique() == scaled.officers.height
    assert scaled.officers.head(own.height).equals(own)
    copy = scaled.officers.slice(own.height, own.height)
    assert copy["officer_id"].to_list() == [f"{o}-r2" for o in own["officer_id"]]
    assert copy["name"].to_list() != own["name"].to_list()
    same = ["department", "qualifications", "grid", "weekly_capacity"]
    assert copy.select(same).equals(own.select(same))
    assert scaled.tasks == short.tasks
    assert (tmp_path / "scaled" / "subjects.csv").read_bytes() == (tmp_path / "short" / "subjects.csv").read_bytes()
