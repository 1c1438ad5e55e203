"""Policy files: the shipped ones load; bad ones fail with messages that say what and where; extends,
reforms and effective dates behave as documented."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from rules import PolicyError, known_policies, load_policy

BASE = """
id: {id}
title: 测试政策
source: {{document: 测试文件, clause: 一}}
in_force: 2024-01-01
{extends}
parameters:
  cap:
    description: a cap
    unit: ratio
    reference: {{document: 测试文件, clause: 一(二)}}
    values:
      2024-01-01: {{value: 0.05}}
      2024-07-01: {{value: 0.08}}
  factor:
    description: a factor
    unit: factor
    reference: {{document: 测试文件, clause: 一(五)}}
    values:
      2024-01-01: {{value: 2.0}}
rules:
{rules}
"""

RULE = """
  - id: t-1-1-rule
    scope: pair
    statement: {zh: 条文, en: text}
    source: {document: 测试文件, clause: 一(一)}
    effective: 2024-01-01
    when: {fact: risk_class, eq: D}
    then: {multiply: {param: factor}}
"""


def write(tmp_path: Path, name: str = "t", rules: str = RULE, extends: str | None = None, body: str | None = None) -> Path:
    path = tmp_path / f"{name}.yaml"
    text = body if body is not None else BASE.format(
        id=name, rules=textwrap.indent(textwrap.dedent(rules).strip("\n"), "  ") if rules.strip() else "  []",
        extends=f"extends: {extends}" if extends else "")
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_policies_load_and_cite_every_rule():
    assert {"shanghai-2024", "changning-2024", "longwan-2023"} <= set(known_policies())
    for name in known_policies():
        policy = load_policy(name)
        assert policy.rules, name
        for r in policy.rules:
            assert r.rule.source.document and r.rule.source.clause
            assert r.rule.statement.zh and r.rule.statement.en
        for p in policy.parameters.values():
            assert p.reference.document and p.unit and p.values


def test_rule_ids_carry_their_clause():
    numerals = dict(zip("123456", "一二三四五六"))
    for name, prefix in (("shanghai-2024", "sh2024-"), ("longwan-2023", "lw2023-")):
        for r in load_policy(name).rules:
            if r.rule.id.startswith(prefix):
                parts = r.rule.id.split("-")[1:3]
                clause = numerals[parts[0]] + (f"({numerals[parts[1]]})" if prefix == "sh2024-" else "")
                assert r.rule.source.clause == clause, r.rule.id


def test_a_valid_test_policy_loads(tmp_path):
    policy = load_policy(write(tmp_path))
    assert policy.id == "t" and [r.rule.id for r in policy.rules] == ["t-1-1-rule"]


def test_unknown_fact(tmp_path):
    with pytest.raises(PolicyError, match=r"t\.yaml: rule t-1-1-rule, when: unknown fact 'risk_level'.*known: .*risk_class"):
        load_policy(write(tmp_path, rules=RULE.replace("risk_class", "risk_level")))


def test_fact_of_another_scope(tmp_path):
    rules = RULE.replace("scope: pair", "scope: subject").replace("{multiply: {param: factor}}", "{}") \
        .replace("risk_class, eq: D", "base_ratio, gt: 0.1")
    with pytest.raises(PolicyError, match="unknown fact 'base_ratio' for a subject rule"):
        load_policy(write(tmp_path, rules=rules))


def test_wrong_operator_and_value_kind(tmp_path):
    with pytest.raises(PolicyError, match="needs exactly one operator of"):
        load_policy(write(tmp_path, rules=RULE.replace("eq: D", "gt: D")))
    with pytest.raises(PolicyError, match="risk_class eq needs str, got 3"):
        load_policy(write(tmp_path, rules=RULE.replace("eq: D", "eq: 3")))


def test_unknown_parameter_in_condition_effect_and_message(tmp_path):
    with pytest.raises(PolicyError, match="when: unknown parameter 'nope'"):
        load_policy(write(tmp_path, rules=RULE.replace("eq: D", "eq: {param: nope}")))
    with pytest.raises(PolicyError, match=r"then\.multiply: unknown parameter 'factr'; known: cap, factor"):
        load_policy(write(tmp_path, rules=RULE.replace("param: factor", "param: factr")))
    finding = RULE.replace("{multiply: {param: factor}}",
                           '{finding: {severity: warning, message: "over {p.kap}"}}')
    with pytest.raises(PolicyError, match=r"unknown parameter 'kap' in \{p\.kap\}"):
        load_policy(write(tmp_path, rules=finding))
    finding = RULE.replace("{multiply: {param: factor}}",
                           '{finding: {severity: warning, message: "task {task_idd}"}}')
    with pytest.raises(PolicyError, match=r"unknown fact 'task_idd' in \{task_idd\}"):
        load_policy(write(tmp_path, rules=finding))


def test_parameter_of_the_wrong_unit(tmp_path):
    with pytest.raises(PolicyError, match="parameter 'cap' has unit ratio, expected factor or factor_by_class"):
        load_policy(write(tmp_path, rules=RULE.replace("param: factor", "param: cap")))


def test_rule_without_source(tmp_path):
    with pytest.raises(PolicyError, match="rule 't-1-1-rule' has no source"):
        load_policy(write(tmp_path, rules=RULE.replace("    source: {document: 测试文件, clause: 一(一)}\n", "")))
    with pytest.raises(PolicyError, match="rule 't-1-1-rule' has no source"):
        load_policy(write(tmp_path, rules=RULE.replace("source: {document: 测试文件, clause: 一(一)}", "source: null")))


def test_effect_outside_its_scope(tmp_path):
    with pytest.raises(PolicyError, match=r"rule 't-1-1-rule' \(scope pair\) cannot set annual_cap"):
        load_policy(write(tmp_path, rules=RULE.replace("{multiply: {param: factor}}", "{annual_cap: 2}")))


def test_bad_parameter_value(tmp_path):
    text = write(tmp_path).read_text(encoding="utf-8").replace("{value: 0.08}", "{value: 1.5}")
    with pytest.raises(PolicyError, match=r"parameter cap on 2024-07-01: 1\.5 is not a ratio in \[0, 1\]"):
        load_policy(write(tmp_path, body=text))


def test_id_must_match_file_name(tmp_path):
    path = write(tmp_path)
    path.rename(tmp_path / "other.yaml")
    with pytest.raises(PolicyError, match="id 't' must equal the file name 'other'"):
        load_policy(tmp_path / "other.yaml")


def test_unknown_policy():
    with pytest.raises(PolicyError, match="unknown policy 'nowhere-2030'; known: .*shanghai-2024"):
        load_policy("nowhere-2030")


def test_extends_cycle(tmp_path):
    write(tmp_path, "a", extends="b")
    write(tmp_path, "b", rules="", extends="a")
    with pytest.raises(PolicyError, match="extends cycle: a → b → a"):
        load_policy(tmp_path / "a.yaml")
    write(tmp_path, "c", extends="c")
    with pytest.raises(PolicyError, match="extends cycle: c → c"):
        load_policy(tmp_path / "c.yaml")


def test_extends_inherits_rules_and_overrides_parameter_values(tmp_path):
    write(tmp_path, "parent")
    child = BASE.format(id="child", extends="extends: parent", rules="  []").split("parameters:")[0] + textwrap.dedent("""
        parameters:
          factor:
            reference: {document: 子文件, clause: 二}
            values:
              2024-03-01: {value: 3.0}
        rules: []
        """)
    policy = load_policy(write(tmp_path, "child", body=child))
    assert policy.chain == ("parent", "child")
    assert [r.rule.id for r in policy.rules] == ["t-1-1-rule"]
    assert policy.at(dt.date(2024, 2, 29)).param("factor") == 2.0
    assert policy.at(dt.date(2024, 3, 1)).param("factor") == 3.0
    assert str(policy.parameters["factor"].on(dt.date(2024, 3, 1))[2]) == "子文件 二"


def test_child_cannot_redefine_a_rule_or_invent_a_partial_parameter(tmp_path):
    write(tmp_path, "parent")
    with pytest.raises(PolicyError, match="rule id t-1-1-rule is already defined in parent.yaml"):
        load_policy(write(tmp_path, "child", extends="parent"))
    body = BASE.format(id="kid", extends="extends: parent", rules="  []").replace(
        "  factor:\n", "  fresh:\n    values: {2024-01-01: {value: 1}}\n  factor:\n")
    with pytest.raises(PolicyError, match="parameter fresh: a new parameter needs description, unit and reference"):
        load_policy(write(tmp_path, "kid", body=body))


def test_parameter_values_by_date_on_both_sides_of_the_boundary(tmp_path):
    policy = load_policy(write(tmp_path))
    assert policy.at(dt.date(2024, 6, 30)).param("cap") == 0.05
    assert policy.at(dt.date(2024, 7, 1)).param("cap") == 0.08


def test_rule_effective_date_on_both_sides(tmp_path):
    policy = load_policy(write(tmp_path, rules=RULE.replace("effective: 2024-01-01", "effective: 2024-05-01")))
    assert [r.rule.id for r in policy.at(dt.date(2024, 4, 30)).rules] == []
    assert [r.rule.id for r in policy.at(dt.date(2024, 5, 1)).rules] == ["t-1-1-rule"]
    repealed = load_policy(write(tmp_path, rules=RULE.replace("effective: 2024-01-01",
                                                              "effective: 2024-01-01\n    until: 2024-09-01")))
    assert [r.rule.id for r in repealed.at(dt.date(2024, 8, 31)).rules] == ["t-1-1-rule"]
    assert [r.rule.id for r in repealed.at(dt.date(2024, 9, 1)).rules] == []


def test_rule_in_force_before_its_parameter_has_a_value(tmp_path):
    path = write(tmp_path, rules=RULE.replace("effective: 2024-01-01", "effective: 2023-01-01"))
    policy = load_policy(path)
    with pytest.raises(PolicyError, match="rule t-1-1-rule is in force on 2023-06-01 but parameter factor has no value before 2024-01-01"):
        policy.at(dt.date(2023, 6, 1))
    with pytest.raises(PolicyError, match="has no value before"):
        load_policy(path, as_of=dt.date(2023, 6, 1))


def test_shanghai_rules_take_effect_on_1_july_2024():
    policy = load_policy("shanghai-2024")
    before = {r.rule.id for r in policy.at(dt.date(2024, 6, 30)).rules}
    after = {r.rule.id for r in policy.at(dt.date(2024, 7, 1)).rules}
    assert before == {"xzcf2021-42-two-officers", "xzcf2021-42-per-department"}
    assert "sh2024-1-5-targeted" in after and after > before


def test_reforms(tmp_path):
    policy = load_policy("shanghai-2024", {"general_item_cap": 0.08, "class_multiplier.D": 3})
    law = policy.at(dt.date(2024, 12, 31))
    assert law.param("general_item_cap") == 0.08 and law.law_values["general_item_cap"] == 0.05
    assert law.param("class_multiplier") == {"A": 0.5, "B": 1.0, "C": 1.5, "D": 3}
    assert policy.digest != load_policy("shanghai-2024").digest
    assert load_policy("shanghai-2024").digest == load_policy("shanghai-2024").digest
    with pytest.raises(PolicyError, match="unknown parameter 'general_cap'; known: .*general_item_cap"):
        load_policy("shanghai-2024", {"general_cap": 0.1})
    with pytest.raises(PolicyError, match="general_item_cap: 2 is not a ratio"):
        load_policy("shanghai-2024", {"general_item_cap": 2})
    with pytest.raises(PolicyError, match=r"reform of class_multiplier on .*: .* is not a mapping with exactly the risk classes"):
        load_policy("shanghai-2024", {"class_multiplier.E": 1}).at(dt.date(2024, 12, 31))
    with pytest.raises(PolicyError, match="parameter targeted_mandatory \\(flag\\) has no keys"):
        load_policy("shanghai-2024", {"targeted_mandatory.x": True})


def test_policy_file_is_not_valid_yaml(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("id: broken\nrules: [\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="broken.yaml: not valid YAML"):
        load_policy(path)
