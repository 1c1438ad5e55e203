"""The calendar's lower bound is valid and tight where it should be; alignment reaches the brute-force optimum.

Small instances (3–6 tasks, a few subject profiles) where every grouping of tasks into rounds can be
enumerated: the optimum is the least expected visits over groupings whose anchor intervals share a point.
"""

from __future__ import annotations

import datetime as dt
import random

import polars as pl
import pytest

from optimizer.calendar import (
    AlignConfig,
    align_calendar,
    expected_visits,
    subject_profiles,
)
from optimizer.calendar.bound import (
    anchor_intervals,
    best_grouping,
    grouping_cost,
    profile_bound,
    threshold_bound,
)
from scenarios.model import Task

YEAR = 2024


def _task(i: int, start: dt.date, days: int, flex: tuple[dt.date, dt.date] | None) -> Task:
    spec = {"id": f"T{i}", "name": f"task {i}", "lead": "SAMR", "items": ["X1"], "object_type": "shop",
            "window": {"start": start, "end": start + dt.timedelta(days=days - 1)}, "ratio": 0.1}
    if flex:
        spec["window_flex"] = {"earliest": flex[0], "latest": flex[1]}
    return Task.model_validate(spec)


def _instance(seed: int, n_tasks: int, n_subjects: int = 40) -> tuple[list[Task], pl.DataFrame]:
    rng = random.Random(seed)
    tasks = []
    for i in range(n_tasks):
        start = dt.date(YEAR, 1, 1) + dt.timedelta(days=rng.randrange(20, 300))
        days = rng.randrange(25, 60)
        flex = None
        if rng.random() < 0.6:
            flex = (start - dt.timedelta(days=rng.randrange(0, 60)),
                    start + dt.timedelta(days=days - 1 + rng.randrange(0, 60)))
            flex = (max(flex[0], dt.date(YEAR, 1, 2)), min(flex[1], dt.date(YEAR, 12, 30)))
        tasks.append(_task(i, start, days, flex))
    rows = []
    for s in range(n_subjects):
        chosen = rng.sample(range(n_tasks), rng.randrange(1, min(n_tasks, 4) + 1))
        for t in chosen:
            rows.append({"subject_id": f"S{s:03d}", "task_id": f"T{t}", "inclusion_prob": rng.choice([0.02, 0.05, 0.1, 0.3])})
    return tasks, pl.DataFrame(rows)


def _partitions(items: list[int]):
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for sub in _partitions(rest):
        for k in range(len(sub)):
            yield sub[:k] + [[first, *sub[k]]] + sub[k + 1:]
        yield [[first], *sub]


def _brute_force(tasks: list[Task], pairs: pl.DataFrame) -> float:
    """Least expected visits over every grouping of the tasks into rounds whose anchor intervals meet."""
    intervals = anchor_intervals(tasks, YEAR, AlignConfig().min_shared_days)
    profiles = subject_profiles(pairs)
    ids = [t.id for t in tasks]
    best = float("inf")
    for groups in _partitions(list(range(len(ids)))):
        if any(max(intervals[ids[i]][0] for i in g) > min(intervals[ids[i]][1] for i in g) for g in groups):
            continue
        rounds = pl.DataFrame({"task_id": ids, "round": [next(k for k, g in enumerate(groups) if i in g) for i in range(len(ids))]})
        best = min(best, expected_visits(profiles, rounds))
    return best


@pytest.mark.parametrize("seed", range(8))
def test_bound_never_exceeds_any_calendar_and_alignment_finds_the_optimum(seed: int) -> None:
    tasks, pairs = _instance(seed, n_tasks=3 + seed % 4)
    optimum = _brute_force(tasks, pairs)
    found = align_calendar(tasks, pairs, YEAR, AlignConfig(relative_gap=0.0))
    assert found.all_in_one_round <= found.bound + 1e-9
    assert found.bound <= optimum + 1e-9 <= found.expected_visits + 2e-9
    assert found.per_profile_bound <= optimum + 1e-9
    assert found.per_profile_bound - 1e-9 <= found.bound or found.bound == found.expected_visits
    assert found.cluster_bound <= optimum + 1e-9, "the clustered bound exceeds a calendar the brute force found"
    assert found.expected_visits == pytest.approx(optimum, abs=1e-3), "alignment misses the brute-force optimum"
    # the reported value is the calendar's own expected visits
    assert found.expected_visits == pytest.approx(expected_visits(subject_profiles(pairs), found.tasks), abs=1e-9)


def test_bound_is_tight_when_profiles_do_not_conflict() -> None:
    # one profile on three tasks: T0 and T1 can share a round, T2 cannot meet either
    tasks = [_task(0, dt.date(YEAR, 3, 1), 30, None), _task(1, dt.date(YEAR, 3, 10), 30, None),
             _task(2, dt.date(YEAR, 9, 1), 30, None)]
    pairs = pl.DataFrame({"subject_id": ["A"] * 3, "task_id": ["T0", "T1", "T2"], "inclusion_prob": [0.2, 0.1, 0.3]})
    found = align_calendar(tasks, pairs, YEAR)
    assert found.bound == pytest.approx(0.5) and found.expected_visits == pytest.approx(0.5)  # 0.2 + 0.3
    assert found.all_in_one_round == pytest.approx(0.3)  # the old bound says far less


def test_best_grouping_is_exact_and_the_threshold_bound_below_it() -> None:
    # A spans both B and C, which are disjoint: {A, B}, {C} costs 1 + 0.5; a greedy that fixes A's point
    # first at A's right end would pay 2
    intervals, pis = [(0, 10), (0, 1), (2, 3)], [1.0, 0.5, 0.5]
    groups = best_grouping(intervals, pis)
    assert grouping_cost(groups, pis) == pytest.approx(1.5)
    rng = random.Random(3)
    for _ in range(200):
        k = rng.randrange(1, 7)
        ivs = [(a, a + rng.randrange(0, 6)) for a in (rng.randrange(0, 12) for _ in range(k))]
        ps = [rng.choice([0.1, 0.2, 0.5, 1.0]) for _ in range(k)]
        exact = min(
            sum(max(ps[i] for i in g) for g in parts)
            for parts in _partitions(list(range(k)))
            if all(max(ivs[i][0] for i in g) <= min(ivs[i][1] for i in g) for g in parts)
        )
        assert grouping_cost(best_grouping(ivs, ps), ps) == pytest.approx(exact)
        assert threshold_bound(ivs, ps) <= exact + 1e-9


def test_profile_bound_sums_profiles() -> None:
    profiles = pl.DataFrame({"profile": [0, 0, 1], "weight": [2, 2, 5], "task_id": ["T0", "T1", "T0"],
                             "pi": [0.1, 0.2, 0.3]})
    apart = {"T0": (0, 5), "T1": (10, 20)}
    together = {"T0": (0, 10), "T1": (10, 20)}
    assert profile_bound(profiles, apart) == pytest.approx(2 * 0.3 + 5 * 0.3)
    assert profile_bound(profiles, together) == pytest.approx(2 * 0.2 + 5 * 0.3)


def test_same_input_same_calendar() -> None:
    tasks, pairs = _instance(11, n_tasks=6, n_subjects=80)
    a = align_calendar(tasks, pairs, YEAR)
    b = align_calendar(tasks, pairs.sample(fraction=1.0, shuffle=True, seed=2), YEAR)
    assert a.tasks.equals(b.tasks) and a.expected_visits == b.expected_visits


def test_calendar_load_spreads_each_round_over_its_shared_weeks() -> None:
    from optimizer.calendar.load import calendar_load, overload_summary

    # one profile of 10 subjects on T0 (π 0.5, department A) and T1 (π 0.3, departments A and B), one round
    # sharing 2024-03-04..03-17 (ISO weeks 10 and 11); 2 officers per department
    profiles = pl.DataFrame({"profile": [0, 0], "weight": [10, 10], "task_id": ["T0", "T1"], "pi": [0.5, 0.3]})
    rounds = pl.DataFrame({"task_id": ["T0", "T1"], "round": [0, 0],
                           "start": [dt.date(2024, 3, 1), dt.date(2024, 3, 4)], "end": [dt.date(2024, 3, 17), dt.date(2024, 3, 30)]})
    deps = pl.DataFrame({"task_id": ["T0", "T1", "T1"], "department": ["A", "A", "B"], "officers": [2, 2, 2]})
    load = calendar_load(profiles, rounds, deps, pl.DataFrame({"department": ["A", "B"], "weekly_capacity": [5, 2]}))
    a = load.filter(pl.col("department") == "A")
    b = load.filter(pl.col("department") == "B")
    assert a["week"].to_list() == [dt.date(2024, 3, 4), dt.date(2024, 3, 11)]
    assert a["expected"].to_list() == pytest.approx([5.0, 5.0])  # 10 × max(0.5, 0.3) × 2 officers over 2 weeks
    assert b["expected"].to_list() == pytest.approx([3.0, 3.0])  # 10 × 0.3 × 2 over 2 weeks
    summary = overload_summary(load)
    assert summary["department_weeks_over_capacity"] == 2  # B: 3 > 2 in both weeks; A: 5 = 5 is within
    assert summary["expected_officer_visits_over_capacity"] == pytest.approx(2.0)
    assert summary["worst"][0].startswith("B 2024-W10")


def test_rounds_are_dated_where_departments_have_room() -> None:
    from optimizer.calendar.dating import date_rounds

    # two one-task rounds of department A, 10 expected officer-visits each, both free to run in March or
    # in May; capacity 12 a week: together they overload, so the lighter one goes where A has room
    march, may = (dt.date(YEAR, 3, 4) - dt.date(YEAR, 1, 1)).days, (dt.date(YEAR, 5, 6) - dt.date(YEAR, 1, 1)).days
    flex = (dt.date(YEAR, 3, 4), dt.date(YEAR, 5, 12))
    tasks = [_task(0, dt.date(YEAR, 3, 4), 7, flex), _task(1, dt.date(YEAR, 3, 4), 7, flex)]

    def place(task, a):  # a 7-day window starting on the anchor
        return dt.date(YEAR, 1, 1) + dt.timedelta(days=a)

    rounds = [(0, [tasks[0]], [march, may]), (1, [tasks[1]], [march, may])]
    demand = {0: {"A": 10.0}, 1: {"A": 9.0}}
    assert date_rounds(rounds, demand, place, {"A": 12}) == {0: march, 1: may}
    assert date_rounds(rounds, demand, place, {"A": 19}) == {0: march, 1: march}  # room for both: least moved
    assert date_rounds(rounds, demand, place, None) == {0: march, 1: march}


def test_clustered_bound_sees_profiles_compete_for_a_task() -> None:
    # T1 can share a round with T0 or with T2, not both (T0 and T2 never overlap). 10 subjects want T0+T1
    # together, 10 want T1+T2, 1 subject is on all three. Each profile on its own: 5 + 5 + 1 = 11 expected
    # visits; any calendar: one of the two groups of ten pays twice, 5 + 10 + 1 = 16. The three profiles
    # form one cluster (the subject on all three holds the other two), solved exactly: 16.
    start = dt.date(YEAR, 3, 1)
    tasks = [_task(i, start + dt.timedelta(days=d), 30, None) for i, d in enumerate((0, 5, 12))]
    rows = [{"subject_id": f"A{s}", "task_id": t, "inclusion_prob": 0.5} for s in range(10) for t in ("T0", "T1")]
    rows += [{"subject_id": f"B{s}", "task_id": t, "inclusion_prob": 0.5} for s in range(10) for t in ("T1", "T2")]
    rows += [{"subject_id": "C0", "task_id": t, "inclusion_prob": 0.5} for t in ("T0", "T1", "T2")]
    pairs = pl.DataFrame(rows)
    assert _brute_force(tasks, pairs) == pytest.approx(16.0)
    found = align_calendar(tasks, pairs, YEAR)
    assert found.per_profile_bound == pytest.approx(11.0)
    assert 16.0 - 1e-3 <= found.cluster_bound <= 16.0 + 1e-9
    assert found.bound == pytest.approx(16.0, abs=1e-3) and found.expected_visits == pytest.approx(16.0)
    assert align_calendar(tasks, pairs, YEAR, AlignConfig(bound_time=0)).bound == pytest.approx(11.0)
