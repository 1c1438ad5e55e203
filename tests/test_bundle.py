"""Visit bundling on tiny hand-built instances, each rule on both sides of its edge, plus a medium one."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import polars as pl
import pytest

from benchmarks.bundle_visits import random_instance
from optimizer.bundling import BundleConfig, BundleInput, bundle_visits, check_bundle

D = dt.date
SEED = "5eed" * 16


def instance(pairs: list[tuple[str, str]], windows: dict[str, tuple[dt.date, dt.date]],
             departments: dict[str, list[str]], capacity: dict[str, int], officers: dict[str, int] | None = None,
             caps: dict[str, int | None] | None = None, year: int = 2024) -> BundleInput:
    tasks = sorted(windows)
    return BundleInput(
        selected=pl.DataFrame({"subject_id": [s for s, _ in pairs], "task_id": [t for _, t in pairs],
                               "round": pl.Series([0] * len(pairs), dtype=pl.Int32)}),
        windows=pl.DataFrame({"task_id": tasks, "start": [windows[t][0] for t in tasks], "end": [windows[t][1] for t in tasks]}),
        task_departments=pl.DataFrame({"task_id": tasks, "departments": [departments[t] for t in tasks]}),
        officers_per_department=pl.DataFrame({"task_id": tasks, "min_officers_per_department": pl.Series(
            [(officers or {}).get(t, 2) for t in tasks], dtype=pl.Int32)}),
        capacity=pl.DataFrame({"department": list(capacity), "weekly_capacity": pl.Series(list(capacity.values()), dtype=pl.Int64)}),
        caps=pl.DataFrame({"subject_id": list(caps or {}), "annual_cap": list((caps or {}).values())},
                          schema={"subject_id": pl.String, "annual_cap": pl.Int32}),
        year=year, seed=SEED,
    )


def solve(inp: BundleInput, config: BundleConfig | None = None):
    result = bundle_visits(inp, config)
    assert check_bundle(inp, result) == []
    assert result.bound <= result.objective
    return result


def tasks_of(result) -> list[list[str]]:
    return result.visits.sort("date")["task_ids"].to_list()


# --- one visit serves tasks whose windows share a working day -----------------------------------------------

def test_overlapping_windows_share_one_visit() -> None:
    r = solve(instance([("S1", "T1"), ("S1", "T2")], {"T1": (D(2024, 3, 1), D(2024, 3, 20)), "T2": (D(2024, 3, 15), D(2024, 4, 20))},
                       {"T1": ["A"], "T2": ["A", "B"]}, {"A": 10, "B": 10}))
    assert tasks_of(r) == [["T1", "T2"]]
    assert D(2024, 3, 15) <= r.visits["date"][0] <= D(2024, 3, 20)
    assert r.visits["departments"].to_list() == [["A", "B"]]
    assert (r.objective, r.bound, r.lower_bound_stabbing, r.status) == (1, 1, 1, "OPTIMAL")


def test_disjoint_windows_need_two_visits() -> None:
    r = solve(instance([("S1", "T1"), ("S1", "T2")], {"T1": (D(2024, 3, 1), D(2024, 3, 14)), "T2": (D(2024, 3, 15), D(2024, 4, 20))},
                       {"T1": ["A"], "T2": ["A"]}, {"A": 10}))
    assert tasks_of(r) == [["T1"], ["T2"]]
    assert (r.objective, r.lower_bound_stabbing) == (2, 2)


@pytest.mark.parametrize(("t2_start", "visits"), [(D(2024, 9, 30), 1), (D(2024, 10, 1), 2)])
def test_overlap_only_on_national_day_needs_two_visits(t2_start: dt.date, visits: int) -> None:
    # 2024-09-30 is a working day; 10-01..10-07 is the National Day holiday (国庆节)
    assert chinese_calendar.is_workday(D(2024, 9, 30))
    assert not any(chinese_calendar.is_workday(D(2024, 10, d)) for d in range(1, 8))
    r = solve(instance([("S1", "T1"), ("S1", "T2")], {"T1": (D(2024, 9, 23), D(2024, 10, 7)), "T2": (t2_start, D(2024, 10, 31))},
                       {"T1": ["A"], "T2": ["A"]}, {"A": 10}))
    assert r.objective == visits == r.lower_bound_stabbing
    assert all(chinese_calendar.is_workday(d) for d in r.visits["date"])
    if visits == 1:
        assert r.visits["date"].to_list() == [D(2024, 9, 30)]


def test_window_without_working_day_is_unplaced_with_reason() -> None:
    r = solve(instance([("S1", "T1")], {"T1": (D(2024, 10, 1), D(2024, 10, 7))}, {"T1": ["A"]}, {"A": 10}))
    assert r.visits.height == 0
    assert "no working day" in r.unplaced["reason"][0]


# --- department capacity per ISO week -------------------------------------------------------------------

ONE_WEEK = {"T1": (D(2024, 3, 4), D(2024, 3, 8))}  # ISO week 2024-W10


@pytest.mark.parametrize(("capacity", "placed"), [(4, 2), (3, 1)])
def test_capacity_exactly_enough_or_one_short_in_a_single_week(capacity: int, placed: int) -> None:
    r = solve(instance([("S1", "T1"), ("S2", "T1")], ONE_WEEK, {"T1": ["A"]}, {"A": capacity}))
    assert r.visits.height == placed
    if placed == 1:
        (reason,) = r.unplaced["reason"].to_list()
        assert "capacity" in reason and "2024-W10" in reason and "A (2/3 used)" in reason
        assert any("department A" in p and "short by 2" in p and "2024-W10" in p for p in r.problems)
    else:
        assert r.unplaced.height == 0 and r.problems == []


@pytest.mark.parametrize(("capacity", "weeks"), [(4, {10}), (2, {10, 11})])
def test_capacity_spreads_visits_to_another_week(capacity: int, weeks: set[int]) -> None:
    # both fit in one week when capacity allows; otherwise one moves to the other week of the window
    r = solve(instance([("S1", "T1"), ("S2", "T1")], {"T1": (D(2024, 3, 4), D(2024, 3, 15))}, {"T1": ["A"]}, {"A": capacity}),)
    assert r.unplaced.height == 0
    if capacity == 2:
        assert set(r.visits["week"]) == weeks
    else:
        assert set(r.visits["week"]) <= {10, 11}


@pytest.mark.parametrize(("capacity", "placed"), [(3, 2), (2, 1)])
def test_visit_uses_max_not_sum_of_its_tasks_officers(capacity: int, placed: int) -> None:
    # one visit serving T1 (2 officers of A) and T2 (3 of A) uses 3 officer-visits of A, not 5
    r = solve(instance([("S1", "T1"), ("S1", "T2")], {"T1": ONE_WEEK["T1"], "T2": ONE_WEEK["T1"]},
                       {"T1": ["A"], "T2": ["A"]}, {"A": capacity}, officers={"T1": 2, "T2": 3}))
    assert r.visits["task_ids"].explode().len() == placed
    assert r.visits["officers"].to_list() == ([[3]] if placed == 2 else [[2]])


@pytest.mark.parametrize(("b_capacity", "unplaced"), [(2, 0), (1, 1)])
def test_partner_department_capacity_binds_too(b_capacity: int, unplaced: int) -> None:
    r = solve(instance([("S1", "T1")], ONE_WEEK, {"T1": ["A", "B"]}, {"A": 10, "B": b_capacity}))
    assert r.unplaced.height == unplaced
    if unplaced:
        assert "B (0/1 used)" in r.unplaced["reason"][0]
        assert any(p.startswith("department B") for p in r.problems)


def test_split_a_bundle_rather_than_leave_a_pair_unplaced() -> None:
    # S1's tasks share only week 10, where S2 takes all of A; splitting S1 (T1 in week 11) serves every pair
    windows = {"T1": (D(2024, 3, 4), D(2024, 3, 15)), "T2": (D(2024, 3, 4), D(2024, 3, 8)), "T3": (D(2024, 3, 4), D(2024, 3, 8))}
    r = solve(instance([("S1", "T1"), ("S1", "T2"), ("S2", "T3")], windows, {"T1": ["A"], "T2": ["B"], "T3": ["A"]},
                       {"A": 2, "B": 2}))
    assert r.unplaced.height == 0
    assert r.objective == 3 and r.lower_bound_stabbing == 2 and r.status == "OPTIMAL"
    assert r.visits.filter(pl.col("subject_id") == "S1").sort("date")["week"].to_list() == [10, 11]


# --- per-subject annual cap --------------------------------------------------------------------------------

DISJOINT = {"T1": (D(2024, 3, 4), D(2024, 3, 8)), "T2": (D(2024, 6, 3), D(2024, 6, 7))}


@pytest.mark.parametrize(("cap", "visits"), [(2, 2), (1, 1), (None, 2)])
def test_annual_cap(cap: int | None, visits: int) -> None:
    r = solve(instance([("S1", "T1"), ("S1", "T2")], DISJOINT, {"T1": ["A"], "T2": ["A"]}, {"A": 10}, caps={"S1": cap}))
    assert r.objective == visits == r.lower_bound_stabbing
    if visits == 1:
        (reason,) = r.unplaced["reason"].to_list()
        assert "annual cap" in reason and "1 visit" in reason
        assert any("subject S1: annual cap 1" in p for p in r.problems)
    else:
        assert r.unplaced.height == 0


# --- determinism, bounds, scale ------------------------------------------------------------------------------

def test_same_input_same_output_and_row_order_is_irrelevant() -> None:
    inp = random_instance(150, tight=0.9, seed=3)  # tight enough that CP-SAT re-plans some subjects
    a, b = bundle_visits(inp), bundle_visits(inp)
    assert a.model_subjects > 0
    shuffled = BundleInput(**{**inp.__dict__, **{
        name: getattr(inp, name).sample(fraction=1.0, shuffle=True, seed=7)
        for name in ("selected", "windows", "task_departments", "officers_per_department", "capacity", "caps")}})
    c = bundle_visits(shuffled)
    for other in (b, c):
        assert a.visits.equals(other.visits) and a.unplaced.equals(other.unplaced)
        assert (a.objective, a.bound, a.lower_bound_stabbing, a.problems) == (other.objective, other.bound, other.lower_bound_stabbing, other.problems)
    other_seed = bundle_visits(BundleInput(**{**inp.__dict__, "seed": "f" * 64}))
    assert not other_seed.visits["date"].equals(a.visits["date"])  # the seed, and only it, spreads the days


@pytest.mark.parametrize("tight", [100.0, 1.0, 0.7])
def test_bounds_never_exceed_the_objective(tight: float) -> None:
    inp = random_instance(200, tight=tight, seed=11, cap=1)
    r = solve(inp)
    assert r.bound <= r.objective
    if r.unplaced.filter(pl.col("reason").str.contains("capacity")).height == 0:
        assert r.lower_bound_stabbing <= r.objective


def test_medium_instance_with_ample_capacity_meets_the_stabbing_bound() -> None:
    inp = random_instance(300, tasks_per_subject=3, tight=100.0, seed=5)
    r = solve(inp)
    assert r.unplaced.height == 0
    assert r.objective == r.lower_bound_stabbing == r.bound and r.status == "OPTIMAL"
    assert r.objective < inp.selected.height  # bundling saved visits


@pytest.mark.parametrize("subjects", [10, 11])
def test_visits_spread_over_the_working_days_of_a_window(subjects: int) -> None:
    # 10 working days (two ISO weeks), ample capacity: 10 subjects get one day each, an 11th doubles one day
    names = [f"S{i:02d}" for i in range(subjects)]
    r = solve(instance([(s, "T1") for s in names], {"T1": (D(2024, 3, 4), D(2024, 3, 15))}, {"T1": ["A"]}, {"A": 100}))
    per_day = r.visits.group_by("date").len()["len"]
    assert per_day.len() == 10 and per_day.max() == subjects - 9
