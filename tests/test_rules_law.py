"""Runs the YAML law tests in tests/rules/ (format: rules/lawtest.py), one pytest case per YAML case."""

from __future__ import annotations

from pathlib import Path

import pytest

from rules import load_policy
from rules.lawtest import evaluate_case, fired_rules, load_cases, run_case

CASES_DIR = Path(__file__).resolve().parent / "rules"
CASES = [(path.stem, case) for path in sorted(CASES_DIR.glob("*.yaml")) for case in load_cases(path)]


def test_every_policy_has_law_tests():
    from rules import known_policies

    assert {stem for stem, _ in CASES} >= set(known_policies())


@pytest.mark.parametrize("case", [c for _, c in CASES], ids=[f"{s}: {c['name']}" for s, c in CASES])
def test_law_case(case):
    problems = run_case(case)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("policy", sorted({c["policy"] for _, c in CASES}))
def test_every_rule_is_seen_firing_and_not_firing(policy):
    """Across the law cases of a policy, each rule of its own file applies in some case and not in another
    (inherited rules are covered by the cases of the policy that defines them)."""
    fired = [fired_rules(evaluate_case(case)[1]) for _, case in CASES if case["policy"] == policy]
    for r in [r for r in load_policy(policy).rules if r.policy == policy]:
        assert any(r.rule.id in f for f in fired), f"{r.rule.id} never fires in the law cases"
        assert any(r.rule.id not in f for f in fired), f"{r.rule.id} fires in every law case"
