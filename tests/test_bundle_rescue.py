"""Nothing drawn is left unvisited while a working day of its window has room (bundling's rescue pass),
and what stays unplaced names its true cause. Tiny instances, each way on both sides of its edge."""

from __future__ import annotations

import datetime as dt

import pytest

from optimizer.bundling.explain import explain_unplaced
from optimizer.bundling.prep import Group, prepare, stab_groups, usage_of
from optimizer.bundling.rescue import rescue_unplaced
from tests.test_bundle import instance

D = dt.date
W10 = (D(2024, 3, 4), D(2024, 3, 8))     # ISO week 10
W12 = (D(2024, 3, 18), D(2024, 3, 22))   # ISO week 12
W10_12 = (D(2024, 3, 4), D(2024, 3, 22))
W20 = (D(2024, 5, 13), D(2024, 5, 17))   # ISO week 20


def _prepared(pairs, windows, capacity, caps=None):
    inp = instance(pairs, windows, {t: ["A"] for t in windows}, capacity, caps=caps)
    return prepare(inp.selected, inp.windows, inp.task_departments, inp.officers_per_department, inp.capacity,
                   inp.caps, inp.year, inp.seed)


def _visit(prep, s, tasks, week_label):
    infos = [prep.tasks[t] for t in tasks]
    week = prep.calendar.week_label.index(week_label)
    return Group(s, tuple(tasks), max(i.a for i in infos), min(i.b for i in infos), usage_of(infos), week)


def _load(prep, visits):
    load = {}
    for gs in visits.values():
        for g in gs:
            for d, o in g.usage:
                load[(d, g.week)] = load.get((d, g.week), 0) + o
    return load


@pytest.mark.parametrize(("capacity", "joined"), [(2, True), (1, False)])
def test_a_pair_joins_a_visit_of_its_subject(capacity: int, joined: bool) -> None:
    # T1 and T2 share week 10; the visit serving T1 takes T2 at no extra officer-visit (max, not sum)
    prep = _prepared([("S1", "T1"), ("S1", "T2")], {"T1": W10, "T2": W10_12}, {"A": max(capacity, 2)})
    visits = {"S1": [_visit(prep, "S1", ["T1"], "2024-W10")]}
    unplaced = {"S1": ["T2"]}
    load = _load(prep, visits)
    assert rescue_unplaced(prep, visits, unplaced, load) == 1
    assert [g.tasks for g in visits["S1"]] == [("T1", "T2")]
    assert load[("A", prep.calendar.week_label.index("2024-W10"))] == 2


@pytest.mark.parametrize(("cap", "placed"), [(None, 1), (2, 1), (1, 0)])
def test_a_pair_gets_a_visit_of_its_own_within_the_cap(cap, placed: int) -> None:
    prep = _prepared([("S1", "T1"), ("S1", "T2")], {"T1": W10, "T2": W20}, {"A": 2}, caps={"S1": cap})
    visits = {"S1": [_visit(prep, "S1", ["T1"], "2024-W10")]}
    unplaced = {"S1": ["T2"]}
    assert rescue_unplaced(prep, visits, unplaced, _load(prep, visits)) == placed
    assert len(visits["S1"]) == 1 + placed and unplaced["S1"] == ([] if placed else ["T2"])


def test_a_subject_whose_round_was_split_is_re_planned_within_its_cap() -> None:
    # the case: T1 and T2 share week 10 but were served by two visits (weeks 10 and 12), the cap
    # of 2 is spent, and T3 (week 20) is left; re-planning gives {T1, T2} and {T3}
    prep = _prepared([("S1", "T1"), ("S1", "T2"), ("S1", "T3")], {"T1": W10, "T2": W10_12, "T3": W20},
                     {"A": 4}, caps={"S1": 2})
    visits = {"S1": [_visit(prep, "S1", ["T1"], "2024-W10"), _visit(prep, "S1", ["T2"], "2024-W12")]}
    unplaced = {"S1": ["T3"]}
    assert rescue_unplaced(prep, visits, unplaced, _load(prep, visits)) == 1
    assert sorted(g.tasks for g in visits["S1"]) == [("T1", "T2"), ("T3",)]
    assert unplaced["S1"] == []


def test_what_stays_unplaced_names_capacity_and_the_fix() -> None:
    # S2's visit fills week 20; S1's T3 (week 20 only) finds no room
    prep = _prepared([("S1", "T3"), ("S2", "T3")], {"T3": W20}, {"A": 2})
    visits = {"S1": [], "S2": [_visit(prep, "S2", ["T3"], "2024-W20")]}
    unplaced = {"S1": ["T3"], "S2": []}
    assert rescue_unplaced(prep, visits, unplaced, _load(prep, visits)) == 0
    dated = [("S2", prep.calendar.days[visits["S2"][0].lo], ("T3",))]
    stab = {"S1": 1, "S2": 1}
    (reason,), problems = explain_unplaced(prep, stab, dated, [("S1", "T3")])
    assert reason[2].startswith("department capacity") and "2024-W20 A (2/2 used)" in reason[2]
    assert "to fix: 2 more officer-visits for A" in reason[2]
    assert "left unplaced by the solver" not in reason[2]


def test_cap_used_by_visits_capacity_kept_apart_is_named_as_the_cap() -> None:
    # cap 1, windows allow one visit (T1, T2 share week 12) but week 12 is full: T1's visit sits in week 10
    prep = _prepared([("S1", "T1"), ("S1", "T2"), ("S9", "T2")], {"T1": W10_12, "T2": W12}, {"A": 2},
                     caps={"S1": 1})
    assert len(stab_groups("S1", [prep.tasks["T1"], prep.tasks["T2"]])) == 1
    visits = {"S1": [_visit(prep, "S1", ["T1"], "2024-W10")], "S9": [_visit(prep, "S9", ["T2"], "2024-W12")]}
    unplaced = {"S1": ["T2"], "S9": []}
    assert rescue_unplaced(prep, visits, unplaced, _load(prep, visits)) == 0
    dated = [("S1", D(2024, 3, 4), ("T1",)), ("S9", D(2024, 3, 18), ("T2",))]
    (reason,), problems = explain_unplaced(prep, {"S1": 1, "S9": 1}, dated, [("S1", "T2")])
    assert reason[2].startswith("department capacity")  # every week of T2's window is full: the true cause
    assert any("A" in p for p in problems)
