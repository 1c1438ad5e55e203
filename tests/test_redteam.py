"""A sample of the red-team pass of ``benchmarks/redteam.py`` (every third of its 513 cases, every family): no
traceback, no tamper accepted, nothing written over what the tool did not write, no officer in their own grid, and
the genuine plan accepted by every reader. ``.venv/bin/python -m benchmarks.redteam`` runs them all."""

from __future__ import annotations

from collections import Counter

from benchmarks.redteam import all_cases, run_cases


def test_a_third_of_the_red_team_cases_all_end_as_they_must() -> None:
    cases = all_cases()
    assert len(cases) >= 500
    sample = cases[::3]
    assert {c.family for c in sample} == {c.family for c in cases}
    done = run_cases(sample)
    bad = [f"{case.family}: {case.name} → {outcome}" for case, outcome, _ in done if outcome != "ok"]
    assert not bad, "\n".join(bad)
    assert Counter(case.family for case, _, _ in done)["controls"] >= 2
