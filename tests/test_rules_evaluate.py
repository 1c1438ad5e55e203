"""evaluate(): the tables it returns, the exact probability semantics (ratio, count, ratio_by_class,
mandatory, clipping), strata, effective dates, and scenarios loaded from files."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import polars as pl
import pytest

from rules import evaluate, load_policy
from rules.lawtest import build_scenario
from rules.results import FINDINGS, PAIRS, SETTINGS, STRATA, SUBJECTS, TASKS
from scenarios import load_scenario

TINY = "scenarios/tiny"


def _pi(result, subject_id: str, task_id: str = "T1") -> float:
    row = result.pairs.filter((pl.col("subject_id") == subject_id) & (pl.col("task_id") == task_id))
    assert row.height == 1, f"{subject_id} × {task_id} is not an eligible pair"
    return row["inclusion_prob"][0]


def test_tables_have_their_declared_schemas():
    r = evaluate(load_scenario(TINY))
    for frame, schema in ((r.pairs, PAIRS), (r.subjects, SUBJECTS), (r.tasks, TASKS), (r.strata, STRATA),
                          (r.findings, FINDINGS), (r.settings, SETTINGS)):
        assert dict(frame.schema) == schema


def test_only_eligible_pairs_are_rows():
    scenario = load_scenario(TINY)
    r = evaluate(scenario)
    sizes = scenario.subjects.explode("object_types").group_by("object_types").len()
    expected = sum(dict(sizes.iter_rows())[t.object_type] for t in scenario.tasks)
    assert r.pairs.height == expected and r.pairs["eligible"].all()
    assert sorted(r.pairs.filter(pl.col("subject_id") == "S006")["task_id"].to_list()) == ["T02", "T03", "T05"]
    assert r.subjects.height == scenario.subjects.height
    assert r.tasks["n_eligible"].to_list() == [8, 24, 10, 6, 24, 5]


def test_count_tasks_sum_to_their_count_with_weights_proportional_to_the_factors():
    scenario = load_scenario(TINY)
    r = evaluate(scenario)
    counts = {t.id: t.count for t in scenario.tasks if t.count is not None}
    sums = dict(r.pairs.group_by("task_id").agg(pl.col("inclusion_prob").sum()).iter_rows())
    for task_id, count in counts.items():
        assert sums[task_id] == pytest.approx(count)
    t05 = r.strata.filter(pl.col("task_id") == "T05")
    by = dict(zip(t05["stratum"], t05["inclusion_prob"]))
    assert by["D:targeted"] / by["A"] == pytest.approx(2.0 * 2.0 / 0.5)
    assert by["B"] / by["A"] == pytest.approx(2.0)
    assert r.tasks.filter(pl.col("task_id") == "T05")["scale"][0] == pytest.approx(by["B"])


def test_count_capping_redistributes_and_warns():
    subjects = [{"risk_class": "D", "penalized_3y": True}] + [{"risk_class": "A"}] * 9
    r = evaluate(build_scenario(subjects, [{"count": 3}]))
    # weights: D targeted 2 × 2 = 4, A 0.5; c = 3 / (4 + 9 × 0.5) = 0.353 would give D 1.41: capped at 1,
    # the other 2 draws spread over the nine A subjects (2/9 each)
    assert _pi(r, "S001") == 1.0
    assert sum(_pi(r, f"S{i:03d}") for i in range(2, 11)) == pytest.approx(2.0)
    assert _pi(r, "S002") == pytest.approx(2 / 9)
    warning = r.findings.filter(pl.col("task_id") == "T1").filter(pl.col("stratum") == "D:targeted")
    assert warning["rule_id"].to_list() == ["sh2024-1-5-targeted"]  # 0.353 × 2 = 0.71, then × 2 = 1.41 > 1
    assert "capped at 1" in warning["message"][0]
    assert evaluate(build_scenario(subjects, [{"count": 2}])).findings.filter(pl.col("stratum").is_not_null()).height == 0


def test_count_at_least_the_eligible_draws_everyone():
    r = evaluate(build_scenario([{"risk_class": "A"}, {"risk_class": "B"}], [{"count": 5}]))
    assert r.pairs["inclusion_prob"].to_list() == [1.0, 1.0]
    assert "every eligible subject is drawn" in r.findings.filter(pl.col("rule_id") == "scenario:T1")["message"][0]


def test_mandatory_targets_take_part_of_the_count():
    subjects = [{"penalized_3y": True}, {}, {}, {}, {}]
    r = evaluate(build_scenario(subjects, [{"count": 3}]), load_policy("shanghai-2024", {"targeted_mandatory": True}))
    assert _pi(r, "S001") == 1.0
    assert [_pi(r, f"S00{i}") for i in range(2, 6)] == pytest.approx([0.5] * 4)


def test_mandatory_targets_beyond_the_count_leave_no_room():
    subjects = [{"penalized_3y": True}, {"penalized_3y": True}, {}, {}]
    r = evaluate(build_scenario(subjects, [{"count": 1}]), load_policy("shanghai-2024", {"targeted_mandatory": True}))
    assert [_pi(r, f"S00{i}") for i in range(1, 5)] == [1.0, 1.0, 0.0, 0.0]
    found = r.findings.filter(pl.col("rule_id") == "sh2024-1-5-targeted")
    assert found.height == 1 and "fill the count of 1" in found["message"][0]


def test_ratio_tasks_clip_at_one_and_cite_the_rule():
    r = evaluate(build_scenario([{"risk_class": "D", "penalized_3y": True}, {"risk_class": "D"}], [{"ratio": 0.6}]))
    assert _pi(r, "S001") == 1.0 and _pi(r, "S002") == 1.0
    found = r.findings.filter(pl.col("task_id") == "T1").sort("stratum")
    assert found["rule_id"].to_list() == ["sh2024-1-5-credit-high", "sh2024-1-5-credit-high"]
    assert found["source"].to_list() == ["沪府发〔2024〕6号 一(五)"] * 2
    assert "0.6 × 2 (sh2024-1-5-credit-high) = 1.2 > 1" in found.filter(pl.col("stratum") == "D")["message"][0]


def test_ratio_by_class_without_the_subjects_class():
    r = evaluate(build_scenario([{"risk_class": "A"}, {"risk_class": "D"}], [{"ratio_by_class": {"D": 0.5}}]))
    assert _pi(r, "S001") == 0.0 and _pi(r, "S002") == 0.5
    assert "gives no ratio for class A" in r.findings.filter(pl.col("rule_id") == "scenario:T1")["message"][0]
    assert r.tasks["base_ratio"][0] == pytest.approx(0.25)


def test_every_subject_of_a_stratum_has_the_same_probability():
    subjects = [{"risk_class": c, "penalized_3y": p, "complaints_verified": n}
                for c in "ABCD" for p in (False, True) for n in (0, 1, 2, 3)]
    scenario = build_scenario(subjects, [{"ratio": 0.1}, {"count": 5}, {"ratio_by_class": {"A": .1, "B": .2, "C": .3, "D": .4}}])
    r = evaluate(scenario)
    per_stratum = r.pairs.group_by("task_id", "stratum").agg(pl.col("inclusion_prob").n_unique())
    assert per_stratum["inclusion_prob"].max() == 1
    assert set(r.strata["stratum"]) == {"A", "B", "C", "D", "A:targeted", "B:targeted", "C:targeted", "D:targeted"}
    assert r.strata["expected"].sum() == pytest.approx(r.pairs["inclusion_prob"].sum())


def test_stratify_by_none():
    scenario = build_scenario([{"risk_class": "A"}, {"risk_class": "B"}, {"penalized_3y": True}], [{"ratio": 0.2}])
    r = evaluate(scenario, load_policy("shanghai-2024", {"stratify_by": "none"}))
    assert r.pairs.sort("subject_id")["stratum"].to_list() == ["all:2", "all:1", "all:targeted"]


def test_policy_not_yet_in_force_in_the_plan_year():
    scenario = build_scenario([{"risk_class": "A"}, {"risk_class": "D"}], [{"ratio": 0.1}], year=2023)
    r = evaluate(scenario)
    assert r.pairs["inclusion_prob"].to_list() == [0.1, 0.1]
    message = r.findings.filter(pl.col("rule_id") == "shanghai-2024:in-force")["message"][0]
    assert "takes effect on 2024-07-01; on 2023-12-31 (plan year 2023)" in message
    assert r.tasks["min_officers_per_visit"][0] == 2  # 行政处罚法 applies regardless
    assert evaluate(scenario, as_of=dt.date(2024, 7, 1)).pairs["inclusion_prob"].to_list() == [0.05, 0.2]


def test_tasks_ending_before_the_opinion_are_listed_once():
    r = evaluate(load_scenario(TINY))
    found = r.findings.filter(pl.col("rule_id") == "shanghai-2024:in-force")
    assert found.height == 1 and found["message"][0].startswith("tasks T01, T02, T04, T06 end before")


def test_a_loaded_policy_with_overrides_is_refused():
    with pytest.raises(ValueError, match="pass overrides to load_policy"):
        evaluate(load_scenario(TINY), load_policy("shanghai-2024"), overrides={"general_item_cap": 0.1})


def _write_scenario(root: Path, policy: str, subjects: str, extra_tasks: str = "") -> Path:
    root.mkdir()
    (root / "scenario.yaml").write_text(textwrap.dedent(f"""
        name: small
        year: 2024
        policy: {policy}
        departments:
          - {{id: SAMR, name: 区市场监管局}}
          - {{id: FIRE, name: 区消防救援支队}}
        items:
          - {{id: F02, name: 餐饮服务食品安全检查, department: SAMR, kind: key, qualification: food_safety}}
          - {{id: A99, name: 公示信息检查, department: SAMR, kind: general}}
          - {{id: X01, name: 消防设施器材检查, department: FIRE, kind: key}}
        tasks:
          - {{id: T1, name: 餐饮联合检查, lead: FIRE, partners: [SAMR], items: [X01, F02], object_type: restaurant,
             window: {{start: 2024-08-01, end: 2024-09-30}}, ratio: 0.2}}
          - {{id: T2, name: 公示信息检查, lead: SAMR, items: [A99], object_type: restaurant,
             window: {{start: 2024-08-01, end: 2024-09-30}}, ratio: 0.1}}
        {extra_tasks}
        """), encoding="utf-8")
    (root / "subjects.csv").write_text(subjects, encoding="utf-8")
    (root / "officers.csv").write_text(
        "officer_id,name,department,qualifications,grid,weekly_capacity\n"
        "O1,甲,SAMR,food_safety,G1,5\nO2,乙,SAMR,,G2,5\nO3,丙,FIRE,,G1,5\nO4,丁,FIRE,,G2,5\n", encoding="utf-8")
    return root


def test_a_scenario_written_to_disk(tmp_path):
    subjects = ("subject_id,name,object_types,risk_class,grid,penalized_3y,complaints_verified\n"
                "S1,甲店,restaurant,A,G1,false,0\nS2,乙店,restaurant,D,G2,true,0\n"
                "S3,丙店,restaurant;entertainment_venue,C,G1,false,3\nS4,丁厅,entertainment_venue,B,G2,false,0\n")
    scenario = load_scenario(_write_scenario(tmp_path / "small", "shanghai-2024", subjects))
    r = evaluate(scenario)
    assert {(s, t): p for s, t, p in r.pairs.select("subject_id", "task_id", "inclusion_prob").iter_rows()} == {
        ("S1", "T1"): 0.1, ("S2", "T1"): 0.8, ("S3", "T1"): 0.6,
        ("S1", "T2"): 0.05, ("S2", "T2"): 0.4, ("S3", "T2"): 0.3,
    }
    errors = r.errors
    assert errors["rule_id"].to_list() == ["sh2024-1-2-general-cap"]
    assert errors["task_id"].to_list() == ["T2"]
    assert "general items A99 are sampled at 10.00%, above the cap of 5.00%" in errors["message"][0]
    assert errors["source"][0] == "沪府发〔2024〕6号 一(二)"
    t1 = r.tasks.filter(pl.col("task_id") == "T1").row(0, named=True)
    assert t1["required_departments"] == ["FIRE", "SAMR"] and t1["required_qualifications"] == ["food_safety"]
    assert r.findings.filter(pl.col("severity") == "warning").height == 0
