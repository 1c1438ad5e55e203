"""Switching policy on the same scenario changes caps and probabilities as each law says."""

from __future__ import annotations

import polars as pl
import pytest

from rules import evaluate, load_policy
from scenarios import load_scenario


@pytest.fixture(scope="module")
def results():
    scenario = load_scenario("scenarios/tiny")
    return scenario, {p: evaluate(scenario, p) for p in ("shanghai-2024", "changning-2024", "longwan-2023")}


def _caps(result) -> dict[str, int | None]:
    return dict(result.subjects.select("subject_id", "annual_cap").iter_rows())


def _pi(result, subject: str, task: str) -> float:
    return result.pairs.filter((pl.col("subject_id") == subject) & (pl.col("task_id") == task))["inclusion_prob"][0]


def test_caps(results):
    scenario, r = results
    classes = dict(scenario.subjects.select("subject_id", pl.col("risk_class").cast(pl.String)).iter_rows())
    assert set(_caps(r["shanghai-2024"]).values()) == {None}  # the opinion gives no number
    assert set(_caps(r["changning-2024"]).values()) == {2}  # every subject, at most twice a year
    longwan = _caps(r["longwan-2023"])  # low-risk (A) firms only
    assert {s for s, cap in longwan.items() if cap == 2} == {s for s, c in classes.items() if c == "A"}
    assert {cap for s, cap in longwan.items() if classes[s] != "A"} == {None}


def test_ratio_task_probabilities(results):
    _, r = results
    # T02 is a ratio task at 25% on restaurants
    expected = {
        # subject: (class, record) → shanghai, changning, longwan
        "S001": (0.25, 0.25, 0.25),  # B, clean
        "S002": (0.125, 0.125, 0.125),  # A: halved everywhere
        "S021": (0.375, 0.375, 0.5),  # C with one complaint: ×1.5 in Shanghai; a bad record (×2) in Longwan
        "S016": (0.75, 0.75, 0.5),  # C penalised: ×1.5 ×2 targeted in Shanghai; ×2 bad record only in Longwan
        "S008": (0.75, 0.75, 0.5),  # C with two complaints: targeted (≥2) in Shanghai; bad record in Longwan
    }
    for subject, values in expected.items():
        got = tuple(_pi(r[p], subject, "T02") for p in ("shanghai-2024", "changning-2024", "longwan-2023"))
        assert got == pytest.approx(values), subject


def test_count_tasks_keep_their_count_but_shift_weight(results):
    _, r = results
    for result in r.values():
        assert result.pairs.filter(pl.col("task_id") == "T05")["inclusion_prob"].sum() == pytest.approx(1.0)
    # Longwan gives C no class factor: a clean C subject weighs as much as a clean B one
    lw = r["longwan-2023"].strata.filter(pl.col("task_id") == "T05")
    by = dict(zip(lw["stratum"], lw["inclusion_prob"]))
    assert by["C:targeted"] == pytest.approx(2 * by["B"])
    sh = r["shanghai-2024"].strata.filter(pl.col("task_id") == "T05")
    by = dict(zip(sh["stratum"], sh["inclusion_prob"]))
    assert by["C"] == pytest.approx(1.5 * by["B"])


def test_team_rules_and_findings_differ(results):
    _, r = results
    sh, lw = r["shanghai-2024"], r["longwan-2023"]
    assert sh.tasks["required_qualifications"].to_list()[0] == ["food_safety"]
    assert lw.tasks["required_qualifications"].to_list()[0] == []  # the Longwan notice says nothing on it
    assert "lw2023-1-pairing-food" in lw.tasks.filter(pl.col("task_id") == "T02")["rules"][0]
    assert "lw2023-1-pairing-elevator" in lw.tasks.filter(pl.col("task_id") == "T03")["rules"][0]
    assert set(lw.errors["rule_id"]) == {"lw2023-1-merged-items"}
    assert sh.errors.height == 0
    assert sh.setting("result_publication_working_days") == 20 and lw.setting("result_publication_working_days") is None
    assert lw.setting("complete_by_month") == 10


def test_a_reform_changes_the_numbers_not_the_law():
    scenario = load_scenario("scenarios/tiny")
    law = evaluate(scenario)
    reform = evaluate(scenario, load_policy("shanghai-2024", {"class_multiplier.A": 0.25}))
    assert _pi(reform, "S002", "T02") == pytest.approx(0.0625) and _pi(law, "S002", "T02") == pytest.approx(0.125)
    assert evaluate(scenario).pairs.equals(law.pairs)
