"""The rule trace in Chinese: what rules do, their conditions, the probability's derivation and the parameters
read in Chinese (rule ids, citations and the scenario's own ids stay as written); English unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules import explain_text
from scenarios import load_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
ENGLISH = ["sampling weight", "chosen so that", "in force since", " and ", " or ", "always", "annual cap",
           "mandatory", "fixed in the rule", "reform;", "targeted sampling", "officers per", "none"]


@pytest.mark.parametrize("name,policy", [("tiny", None), ("tiny", "changning-2024"), ("tiny", "longwan-2023")])
def test_chinese_trace_has_no_english_phrases(name, policy):
    scenario = load_scenario(SCENARIOS / name)
    for subject in scenario.subjects["subject_id"].to_list()[:12]:
        zh = explain_text(scenario, subject, policy=policy, lang="zh")
        found = [w for w in ENGLISH if w in zh]
        assert not found, (subject, found, zh)
        assert "抽中概率" in zh or "没有任务" in zh


def test_chinese_trace_reads_the_rule_and_the_parameters():
    scenario = load_scenario(SCENARIOS / "tiny")
    zh = explain_text(scenario, "S001", lang="zh")
    assert "条件 信用风险分类 = B 且 抽取方式 ≠ 分类比例 → 抽查权重 × 1 （信用风险分类系数[B]）" in zh
    assert "使该任务各对象抽中概率之和等于固定户数" in zh
    assert "每次检查最少执法人员 = 2 人 — 中华人民共和国行政处罚法（2021年修订） 第四十二条，自 2021-07-15 起施行" in zh
    en = explain_text(scenario, "S001", lang="en")
    assert "when risk_class = B and ratio_mode ≠ ratio_by_class → sampling weight × 1 (class_multiplier[B])" in en
    assert "chosen so that the task's probabilities sum to its count" in en
