"""Edge cases found by a red-team pass on the planning core (scenarios it was not tuned on).

Each test failed before its fix: a violation list whose order changed from run to run (so the manifest of a
plan written with ``--allow-violations`` was not byte-identical), a checker that reported "no officer holds
the qualification" for a visit made to a subject since removed from the directory (so ``adjust`` refused the
new version), a plan made under a policy file outside ``rules/policies`` that its own checker could not load,
and rotation against a plan of a later year.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from optimizer.hard_rules import (
    not_working_days,
    outside_windows,
    own_grid,
    short_departments,
    small_teams,
    unknown_officers,
    wrong_department,
)


def _reversed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.reverse()


def test_hard_rules_return_the_same_rows_whatever_the_input_order() -> None:
    """The plan checker's violations are the same, line for line, on every run: each hard rule sorts its rows
    (its inputs often come from a group_by, whose order polars does not fix)."""
    need = pl.DataFrame({"visit_id": ["V3", "V1", "V2", "V1"], "department": ["FIRE", "SAMR", "FIRE", "FIRE"],
                         "min_officers": [2, 2, 2, 2]})
    assignments = pl.DataFrame({"visit_id": ["V1", "V2", "V3", "V9"], "department": ["FIRE", "FIRE", "SAMR", "SAMR"],
                                "officer_id": ["O2", "O1", "O3", "O4"]})
    officers = pl.DataFrame({"officer_id": ["O1", "O2", "O3"], "department": ["FIRE", "SAMR", "FIRE"]})
    team = pl.DataFrame({"visit_id": ["V2", "V1", "V3"], "officer_id": ["O1", "O2", "O3"], "officer_grid": ["G1"] * 3,
                         "subject_grid": ["G1"] * 3, "exclude_own_grid": [True] * 3})
    per_visit = pl.DataFrame({"visit_id": ["V3", "V1", "V2"], "min_officers_per_visit": [4, 4, 4]})
    day = dt.date(2024, 10, 1)  # National Day
    visit_tasks = pl.DataFrame({"visit_id": ["V2", "V1", "V3"], "date": [day] * 3, "task_id": ["T1", "T2", "T1"]})
    windows = pl.DataFrame({"task_id": ["T1", "T2"], "start": [dt.date(2024, 3, 1)] * 2, "end": [dt.date(2024, 3, 31)] * 2})
    cases = {
        "short_departments": (lambda n, a: short_departments(n, a), need, assignments),
        "small_teams": (lambda n, a: small_teams(n, a), per_visit, assignments),
        "wrong_department": (lambda a, o: wrong_department(a, o), assignments, officers),
        "unknown_officers": (lambda a, o: unknown_officers(a, o), assignments, officers),
        "outside_windows": (lambda v, w: outside_windows(v, w), visit_tasks, windows),
    }
    for name, (rule, first, second) in cases.items():
        once = rule(first, second)
        assert once.height > 0, name
        assert once.equals(rule(_reversed(first), _reversed(second))), name
    assert own_grid(team).equals(own_grid(_reversed(team)))
    visits = visit_tasks.select("visit_id", "date")
    assert not_working_days(visits).equals(not_working_days(_reversed(visits)))
