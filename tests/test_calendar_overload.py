"""Completeness first, then visits, then λ · overload (optimizer.calendar.complete; AlignConfig.overload_weight).

A hand-made instance whose answer is known. Department A has 15 officer-visits a week. T0 is fixed on
2024-03-04..03-17 (two ISO weeks); T1 has the same 14 days but may move as late as 6–19 May. 40 subjects
are eligible for T0 only, 40 for T1 only, 10 for both; every π is 0.5 and each task needs one officer of A.

* One round (T1 beside T0): expected visits 20 + 20 + 5 = 45; A carries (20 + 20 + 5) / 2 = 22.5 a week in
  March: 45 officer-visits in two weeks of 15 each, 15 short whatever the weeks the visits take.
* Two rounds (T1 in May): expected visits 20 + 20 + 10 = 50; A carries 12.5 a week in March and in May: none.

Expected pairs that no week can take are drawn pairs left unvisited, so the split is chosen at every λ (the
old weighted trade kept one round below λ = 1/3). With capacity 23 a week the one round fits (22.5): then
nothing is short and the visits decide.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from optimizer.calendar import (
    AlignConfig,
    Staffing,
    align_calendar,
    calendar_load,
    subject_profiles,
)
from scenarios.model import Task

YEAR = 2024


def _task(i: int, flex: tuple[dt.date, dt.date] | None) -> Task:
    start = dt.date(YEAR, 3, 4)
    spec = {"id": f"T{i}", "name": f"task {i}", "lead": "SAMR", "items": ["X1"], "object_type": "shop",
            "window": {"start": start, "end": start + dt.timedelta(days=13)}, "ratio": 0.1}
    if flex:
        spec["window_flex"] = {"earliest": flex[0], "latest": flex[1]}
    return Task.model_validate(spec)


TASKS = [_task(0, None), _task(1, (dt.date(YEAR, 3, 4), dt.date(YEAR, 5, 19)))]
PAIRS = pl.DataFrame(
    [{"subject_id": f"S{s:03d}", "task_id": t, "inclusion_prob": 0.5}
     for s in range(90) for t in (["T0"] if s < 40 else ["T1"] if s < 80 else ["T0", "T1"])])
STAFFING = Staffing(capacity={"A": 15}, departments={"T0": ("A",), "T1": ("A",)}, officers={"T0": 1, "T1": 1})


def _overload(alignment) -> float:
    deps = pl.DataFrame({"task_id": ["T0", "T1"], "department": ["A", "A"], "officers": [1, 1]})
    load = calendar_load(subject_profiles(PAIRS), alignment.tasks, deps,
                         pl.DataFrame({"department": ["A"], "weekly_capacity": [15]}))
    return float(load["over"].sum())


@pytest.mark.parametrize("weight", [0.0, 0.25, 0.5, 2.0])
def test_the_round_splits_at_every_weight_when_one_round_leaves_pairs_no_week_can_take(weight: float) -> None:
    found = align_calendar(TASKS, PAIRS, YEAR, AlignConfig(overload_weight=weight), STAFFING)
    assert found.tasks["round"].n_unique() == 2
    assert found.expected_visits == pytest.approx(50.0)
    assert _overload(found) == pytest.approx(0.0)
    trade = found.capacity_trade
    assert trade["overload_weight"] == weight
    assert trade["expected_visits_without_penalty"] == pytest.approx(45.0, abs=0.01)
    assert trade["expected_shortfall_without_penalty"] == pytest.approx(15.0, abs=0.01)
    assert trade["expected_shortfall"] == pytest.approx(0.0, abs=0.01)
    assert trade["visits_paid_for_capacity"] == pytest.approx(5.0, abs=0.01)
    assert trade["expected_overload"] == pytest.approx(0.0, abs=0.01)  # the penalty's model is the report's


@pytest.mark.parametrize("weight", [0.0, 2.0])
def test_one_round_stays_when_the_capacity_holds_it(weight: float) -> None:
    roomy = Staffing(capacity={"A": 23}, departments=STAFFING.departments, officers=STAFFING.officers)
    found = align_calendar(TASKS, PAIRS, YEAR, AlignConfig(overload_weight=weight), roomy)
    assert found.tasks["round"].n_unique() == 1
    assert found.expected_visits == pytest.approx(45.0)
    assert found.capacity_trade["expected_shortfall"] == pytest.approx(0.0, abs=0.01)


def test_a_shortfall_no_calendar_removes_is_reported_and_kept_least() -> None:
    # 5 a week: March alone holds 10 of T0's 25 expected officer-visits whatever T1 does; the split still saves
    # T1's 25 from sharing those weeks (one round: 45 − 10 = 35 short; split: 15 + 15 = 30)
    thin = Staffing(capacity={"A": 5}, departments=STAFFING.departments, officers=STAFFING.officers)
    found = align_calendar(TASKS, PAIRS, YEAR, AlignConfig(overload_weight=0.0), thin)
    assert found.tasks["round"].n_unique() == 2
    assert found.capacity_trade["expected_shortfall"] == pytest.approx(30.0, abs=0.01)


def test_the_penalised_calendar_is_deterministic() -> None:
    a = align_calendar(TASKS, PAIRS, YEAR, AlignConfig(overload_weight=0.5), STAFFING)
    b = align_calendar(TASKS, PAIRS.sample(fraction=1.0, shuffle=True, seed=3), YEAR,
                       AlignConfig(overload_weight=0.5), STAFFING)
    assert a.tasks.equals(b.tasks) and a.capacity_trade == b.capacity_trade


def test_weeks_before_the_plan_year_count_as_their_own_weeks() -> None:
    # the same instance eleven weeks earlier: T0 on 2023-12-18..31, before the plan year's 1 January
    shift = dt.timedelta(weeks=11)

    def moved(task: Task) -> Task:
        spec = task.model_dump()
        spec["window"] = {"start": task.window.start - shift, "end": task.window.end - shift}
        if task.window_flex:
            spec["window_flex"] = {"earliest": task.window_flex.earliest - shift, "latest": task.window_flex.latest - shift}
        return Task.model_validate(spec)

    tasks = [moved(t) for t in TASKS]
    assert tasks[0].window.start == dt.date(2023, 12, 18)
    found = align_calendar(tasks, PAIRS, YEAR, AlignConfig(overload_weight=0.5), STAFFING)
    assert found.tasks["round"].n_unique() == 2 and found.expected_visits == pytest.approx(50.0)
    assert _overload(found) == pytest.approx(0.0)
    assert found.capacity_trade["expected_overload_without_penalty"] == pytest.approx(15.0, abs=0.01)


@pytest.mark.parametrize(("weight", "point"), [(0.0, 60), (100.0, 60), (2000.0, 120)])
def test_cp_sat_neighbourhoods_price_the_overload_term(weight: float, point: int) -> None:
    import numpy as np

    from optimizer.calendar.model import ItemModel, LoadTerm, solve_items

    # T0 sits at day 60, T2 at day 120, T1 may join either. 10 subjects (P = 100 units each) share T0 and
    # T1, 6 share T1 and T2: joining T0 costs 10·100 + 6·200 = 2,200 units, joining T2 2,600 (400 more).
    # T1 brings one officer-visit to department 0 in the week of its point: week 8 already carries 10 (capacity
    # 0.5), week 17 nothing, so joining T0 costs 1.0 officer-visit of overload and joining T2 0.5 — the term
    # moves T1 to T2 exactly when 0.5 officer-visit is worth more than 400 units (weight > 800).
    model = ItemModel(["T0", "T1", "T2"], np.array([60, 60, 120]), np.array([60, 120, 120]),
                      np.array([10, 6]), np.array([[100, 100, 0], [0, 100, 100]]))
    none = (np.zeros(0, dtype=np.int64), 0, 0, np.zeros((0, 1)))

    def contribution(i: int, x: int):
        if i != 1:
            return none
        return np.array([0]), x // 7, x // 7, np.array([[1.0]])

    base = np.zeros((1, 30))
    base[0, 60 // 7] = 10.0
    term = LoadTerm(contribution, base, np.full((1, 30), 0.5), weight) if weight else None
    solved = solve_items(model, None, 5.0, 0, 0.0, load=term)
    assert solved.status == "OPTIMAL" and solved.points[1] == point


def test_a_week_a_window_touches_only_on_its_weekend_takes_none_of_its_visits() -> None:
    # T0 fixed on Saturday 2024-03-02 .. Sunday 03-17: three ISO weeks, but W09 holds no working day of it, so its
    # 50 subjects × 0.5 = 25 expected officer-visits must fit W10 and W11 (10 each): 5 short — not 0 as three
    # weeks of capacity would suggest
    spec = TASKS[0].model_dump()
    spec["window"] = {"start": dt.date(YEAR, 3, 2), "end": dt.date(YEAR, 3, 17)}
    task = Task.model_validate(spec)
    pairs = pl.DataFrame([{"subject_id": f"S{s:03d}", "task_id": "T0", "inclusion_prob": 0.5} for s in range(50)])
    staffing = Staffing(capacity={"A": 10}, departments={"T0": ("A",)}, officers={"T0": 1})
    found = align_calendar([task], pairs, YEAR, AlignConfig(), staffing)
    assert found.capacity_trade["expected_shortfall"] == pytest.approx(5.0, abs=0.01)


@pytest.mark.parametrize(("officers", "short"), [((10, 10), 0.0), ((19, 1), 36.0)])
def test_teams_of_two_distinct_officers_count_in_the_shortfall(officers: tuple[int, int], short: float) -> None:
    # T0 alone, 2024-03-04..17 (two weeks), 40 subjects × 0.5 = 20 visits of two officers of A: 40 officer-visits.
    # Two officers of 10 a week give 10 visits, 20 officer-visits a week: enough. The same 20 as 19 + 1 give one
    # visit a week — a visit needs two different officers (行政处罚法 art. 42) —: 4 of the 40, 36 short
    pairs = pl.DataFrame([{"subject_id": f"S{s:03d}", "task_id": "T0", "inclusion_prob": 0.5} for s in range(40)])
    staffing = Staffing(capacity={"A": sum(officers)}, departments={"T0": ("A",)}, officers={"T0": 2},
                        roster={"A": officers})
    found = align_calendar([TASKS[0]], pairs, YEAR, AlignConfig(), staffing)
    assert found.capacity_trade["expected_shortfall"] == pytest.approx(short, abs=0.01)
