"""What the rules tell a planner (warnings, errors) reads in Chinese as well as English: every finding of the
bundled policies has a Chinese message carrying the same values, and a plan the rules block says why in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
import yaml

from optimizer.draw import PlanBlocked
from rules import evaluate, known_policies, load_policy, policy_path
from scenarios import load_scenario

TINY = Path(__file__).resolve().parent.parent / "scenarios" / "tiny"


def _fields(template: str) -> set[str]:
    return {m.split(":")[0].split("!")[0] for m in re.findall(r"\{([^{}]+)\}", template)}


@pytest.mark.parametrize("policy", known_policies())
def test_every_finding_of_a_bundled_policy_has_a_chinese_message_with_the_same_values(policy: str) -> None:
    spec = yaml.safe_load(policy_path(policy).read_text(encoding="utf-8"))
    findings = [r["then"]["finding"] for r in spec.get("rules", []) if (r.get("then") or {}).get("finding")]
    for finding in findings:
        assert finding.get("message_zh"), finding["message"]
        assert _fields(finding["message_zh"]) == _fields(finding["message"]), finding
        assert re.search(r"[\u4e00-\u9fff]", finding["message_zh"])


def test_findings_carry_chinese_messages_and_blocked_plans_say_why_in_chinese() -> None:
    scenario = load_scenario(TINY)
    # a 2023 plan under a law in force from 2024-07-01: the rules warn that its tasks end before it takes effect
    early = scenario.model_copy(update={"spec": scenario.spec.model_copy(update={"year": 2023})})
    results = evaluate(early, load_policy("shanghai-2024"))
    assert results.findings.height > 0
    assert results.findings.filter(pl.col("message_zh") == pl.col("message")).height == 0, results.findings
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in results.findings["message_zh"])
    blocked = PlanBlocked(results.findings)
    assert blocked.text("zh").startswith("计划违反所适用政策的规则：")
    assert str(blocked).startswith("the plan breaks rules of its policy:")
    assert all(m in blocked.text("zh") for m in results.findings["message_zh"])
