"""explain_text: every rule that applied with statement and source, π per task, and the cap."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from rules import explain, explain_text
from scenarios import load_scenario

REPO = Path(__file__).resolve().parent.parent


def test_targeted_d_class_subject_in_tiny():
    text = explain_text(REPO / "scenarios/tiny", "S005")
    for expected in (
        "Subject S005 仙霞路小吃店",
        "risk class D · penalised in the last 3 years: yes · verified complaints: 3",
        "Policy shanghai-2024",
        "Annual visit cap: none (no rule sets one)",
        "Task T02 餐饮单位消防安全联合检查",
        "inclusion probability 1.0000 = min(1, 0.25 × 2 × 2)",
        "stratum D:targeted · targeted (定向抽查): yes · mandatory: no",
        "✓ sh2024-1-5-credit-high — 沪府发〔2024〕6号 一(五)",
        "“对违法失信、风险较高的经营主体，适当提高抽查比例和频次。”",
        "✓ sh2024-1-5-targeted — 沪府发〔2024〕6号 一(五)",
        "sampling weight × 2 (targeted_multiplier)",
        "Task T05",
        "Did not apply: sh2024-1-5-credit-low (risk_class = A and ratio_mode ≠ ratio_by_class)",
        "xzcf2021-42-two-officers (中华人民共和国行政处罚法（2021年修订） 第四十二条",
        "targeted_multiplier = 2.0 factor — 沪府发〔2024〕6号 一(五), in force since 2024-07-01",
    ):
        assert expected in text, expected
    assert "Task T01" not in text  # not a school canteen


def test_one_task_and_the_cap_under_another_policy():
    scenario = load_scenario(REPO / "scenarios/tiny")
    text = explain_text(scenario, "S002", "T05", policy="longwan-2023")
    assert "Annual visit cap: 2" in text
    assert "✓ lw2023-2-low-risk-cap — 龙湾区2023年度“双随机、一公开”通知 二" in text
    assert "Task T05" in text and "Task T02" not in text
    assert "✓ lw2023-1-pairing-food — 龙湾区2023年度“双随机、一公开”通知 一" in text  # task rules in full for one task
    assert "departments must go together: 食品生产流通科, 餐饮科, 价竞分局, 标准科 (food_roles)" in text
    assert "Did not apply: lw2023-2-credit-high" in text
    assert "! error: task T05 must include the general items" in text
    assert "Not eligible: task T01 draws from school_canteen; the subject is restaurant" in \
        explain_text(scenario, "S002", "T01")


def test_a_reform_is_shown():
    text = explain_text(REPO / "scenarios/tiny", "S005", "T02", overrides={"targeted_mandatory": True})
    assert "reform: targeted_mandatory = True (law: False)" in text
    assert "inclusion probability 1.0000 = 1 (mandatory" in text
    assert "targeted_mandatory = True flag (reform; law: False)" in text


def test_structured_explanation():
    e = explain(REPO / "scenarios/tiny", "S003")
    assert [t.task_id for t in e.tasks] == ["T02", "T05"]
    assert [r.rule_id for r in e.tasks[0].applied] == ["sh2024-1-5-credit-high", "sh2024-1-5-targeted"]
    assert e.tasks[0].inclusion_prob == pytest.approx(0.75) and e.annual_cap is None


def test_unknown_subject_or_task():
    with pytest.raises(KeyError, match="subject 'S999' is not in the directory"):
        explain_text(REPO / "scenarios/tiny", "S999")
    with pytest.raises(KeyError, match="task 'T99' is not in scenario tiny"):
        explain_text(REPO / "scenarios/tiny", "S001", "T99")


@pytest.mark.skipif(not (REPO / "scenarios/changning-2024/scenario.yaml").exists(), reason="changning-2024 not generated")
def test_changning_targeted_d_class_subject():
    scenario = load_scenario(REPO / "scenarios/changning-2024")
    subject = (scenario.subjects.filter((pl.col("risk_class") == "D") & pl.col("penalized_3y"))
               .sort("subject_id")["subject_id"][0])
    text = explain_text(scenario, subject)
    assert f"Subject {subject}" in text and "risk class D" in text
    assert "Policy changning-2024 (extends shanghai-2024)" in text
    assert "Annual visit cap: 2" in text
    assert "✓ cn2024-principle-2-cap — 2024年上海市长宁区市场监管领域部门联合抽查工作计划 抽查原则第二条" in text
    assert "“在抽查对象时，同一家企业一年中最多不超过两次。”" in text
    if "No task draws" not in text:
        assert "✓ sh2024-1-5-targeted — 沪府发〔2024〕6号 一(五)" in text
        assert "stratum D:targeted" in text


def test_the_trace_speaks_chinese_when_asked():
    zh = explain_text(REPO / "scenarios/tiny", "S005", lang="zh")
    en = explain_text(REPO / "scenarios/tiny", "S005")
    assert zh.startswith("检查对象 S005") and "抽中概率" in zh and "inclusion probability" not in zh
    assert en.startswith("Subject S005") and "inclusion probability" in en
    assert zh.count("✓") == en.count("✓"), "the same rules, in another language"
