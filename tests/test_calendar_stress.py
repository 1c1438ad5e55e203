"""The stress profile (issue 13) has the shape it claims, and a small version of it plans completely, with
a lower bound below the calendar found and every hard rule holding. Timings: python -m benchmarks.stress."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer.check import check_plan
from optimizer.export import write_plan
from optimizer.plan import make_plan
from scenarios import load_scenario
from scenarios.generate import generate_scenario, load_profile


def test_stress_profile_shape() -> None:
    profile = load_profile("stress-40")
    assert len(profile.tasks) == 40 and len(profile.departments) == 18 and len(profile.object_types) == 25
    flexible = [t for t in profile.tasks if t.flex]
    assert 0.45 <= len(flexible) / len(profile.tasks) <= 0.75
    per_type: dict[str, int] = {}
    for t in profile.tasks:
        per_type[t.object_type] = per_type.get(t.object_type, 0) + 1
    assert max(per_type.values()) >= 3, "some object type is shared by many tasks"
    assert len(load_profile("stress-80").tasks) == 80


def test_small_stress_district_plans_completely_near_its_bound(tmp_path: Path) -> None:
    scenario = load_scenario(generate_scenario("stress-40", tmp_path / "s", n_subjects=3000))
    plan = make_plan(scenario, "1")
    k = plan.kpis
    align = plan.run.alignment
    assert k["visits_lower_bound_all_in_one_round"] <= k["visits_lower_bound"] <= k["visits_expected"]
    assert align.per_profile_bound <= align.expected_visits < align.calendar_as_given
    assert k["unplaced_pairs"] == 0
    assert k["tasks"] == 40
    out = write_plan(plan, tmp_path / "plan")
    assert check_plan(out, scenario) == []
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["solver"]["align"]["visits_lower_bound"] == round(align.bound, 4)
    trade = manifest["solver"]["align"]["capacity_trade"]  # what the overload penalty traded, and at what λ
    assert trade["overload_weight"] == plan.settings.align.overload_weight
    assert trade["expected_visits"] == round(align.expected_visits, 4)
    assert trade["expected_visits_without_penalty"] <= trade["expected_visits"] + 1e-6
    assert trade["expected_overload"] <= trade["expected_overload_without_penalty"] + 1e-6
    # the penalty's load model is the report's: the overload it ends with is the one the manifest reports
    assert trade["expected_overload"] == pytest.approx(manifest["solver"]["align"]["capacity"]["expected_officer_visits_over_capacity"], abs=0.01)
