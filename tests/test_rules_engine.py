"""The durable-rules backend: same answers as the reference semantics, reusable in one process, safe
from several threads, never more than one live state context."""

from __future__ import annotations

import datetime as dt
import threading

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules import PythonBackend, evaluate
from rules.engine import durable_backend as db
from rules.engine.conditions import (
    All,
    AnyOf,
    Compare,
    Not,
    holds,
    parse,
    push_not,
    render,
)
from rules.engine.durable_backend import DurableBackend, compile_condition
from rules.law.policy import ActiveRule
from rules.law.schema import Rule
from rules.lawtest import build_scenario
from scenarios import load_scenario

TINY = "scenarios/tiny"


class _Law:
    """Just enough of InForce for the backends: the active rules of one scope."""

    def __init__(self, conds):
        self.rules = [ActiveRule(_rule(f"x-1-{k}"), "x", c) for k, c in enumerate(conds)]

    def scope(self, scope):
        return self.rules


def _rule(rule_id: str) -> Rule:
    return Rule.model_validate({"id": rule_id, "scope": "pair", "statement": {"zh": "条", "en": "r"},
                                "source": {"document": "d", "clause": "c"}, "effective": "2024-01-01"})


tests = st.one_of(
    st.builds(lambda v: Compare("risk_class", "eq", v), st.sampled_from("ABCD")),
    st.builds(lambda v: Compare("risk_class", "in", tuple(v)), st.lists(st.sampled_from("ABCD"), max_size=3)),
    st.builds(lambda v: Compare("risk_class", "not_in", tuple(v)), st.lists(st.sampled_from("ABCD"), max_size=3)),
    st.builds(lambda v: Compare("penalized_3y", "eq", v), st.booleans()),
    st.builds(lambda op, v: Compare("complaints_verified", op, v), st.sampled_from(["eq", "ne", "lt", "lte", "gt", "gte"]),
              st.integers(0, 4)),
    st.builds(lambda op, v: Compare("base_ratio", op, v), st.sampled_from(["lt", "gte", "gt"]),
              st.sampled_from([0.05, 0.1, 0.25])),
    st.builds(lambda op, v: Compare("items", op, v), st.sampled_from(["contains", "lacks"]), st.sampled_from(["K1", "G1", "A99"])),
    st.builds(lambda op, v: Compare("items", op, tuple(v)),
              st.sampled_from(["contains_any", "lacks_any", "contains_all", "lacks_all"]),
              st.lists(st.sampled_from(["K1", "G1", "A99"]), max_size=3)),
)
conditions = st.recursive(tests, lambda inner: st.one_of(
    st.builds(lambda ps: All(tuple(ps)), st.lists(inner, max_size=3)),
    st.builds(lambda ps: AnyOf(tuple(ps)), st.lists(inner, max_size=3)),
    st.builds(Not, inner),
), max_leaves=6)
facts = st.fixed_dictionaries({
    "risk_class": st.sampled_from("ABCD"),
    "penalized_3y": st.booleans(),
    "complaints_verified": st.integers(0, 5),
    "base_ratio": st.sampled_from([0.04, 0.05, 0.1, 0.25, 0.3]),
    "items": st.lists(st.sampled_from(["K1", "G1", "A99", "X"]), max_size=3, unique=True),
})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(conditions, min_size=1, max_size=4), st.lists(facts, min_size=1, max_size=12))
def test_durable_rules_agree_with_the_reference_semantics(conds, records):
    law = _Law([push_not(c) for c in conds])
    want = PythonBackend().fire(law, "pair", records)
    got = DurableBackend.shared().fire(law, "pair", records)
    assert got == want, [render(c) for c in conds]
    for c, r in zip(conds, law.rules):  # push_not keeps the meaning
        assert all(holds(c, rec) == holds(r.cond, rec) for rec in records)


def test_compiled_forms():
    assert compile_condition(parse({"fact": "risk_class", "in": ["C", "D"]}, "pair")) == \
        {"$or": [{"risk_class": "C"}, {"risk_class": "D"}]}
    assert compile_condition(parse({"fact": "complaints_verified", "gte": 2}, "pair")) == \
        {"$gte": {"complaints_verified": db.number_key(2)}}  # numbers travel as exact int64 keys
    assert compile_condition(parse({"fact": "items", "lacks": "A99"}, "task")) == \
        {"$iall": {"items": {"$neq": {"$i": "A99"}}}}
    assert compile_condition(parse("always", "task")) == {"$ex": {"pid": 1}}


def test_evaluating_twice_and_two_policies_in_one_process():
    scenario = load_scenario(TINY)
    first = evaluate(scenario)
    registered = DurableBackend.shared().registered
    again = evaluate(scenario)
    assert DurableBackend.shared().registered == registered  # identical rulesets are reused, not redefined
    assert first.pairs.equals(again.pairs) and first.subjects.equals(again.subjects)
    longwan = evaluate(scenario, "longwan-2023")
    changning = evaluate(scenario, "changning-2024")
    reform = evaluate(scenario, overrides={"targeted_multiplier": 3.0})
    # other policies need rulesets of their own (unless an earlier test in this process registered them already),
    # and once registered, evaluating them again defines nothing new
    after_all = DurableBackend.shared().registered
    assert after_all >= registered
    for policy in ("longwan-2023", "changning-2024"):
        evaluate(scenario, policy)
    evaluate(scenario, overrides={"targeted_multiplier": 3.0})
    assert DurableBackend.shared().registered == after_all
    assert not longwan.pairs.equals(first.pairs)
    assert changning.subjects["annual_cap"].to_list() == [2] * scenario.subjects.height
    assert not reform.pairs.equals(first.pairs)
    assert evaluate(scenario).pairs.equals(first.pairs)


def test_durable_and_python_backends_give_the_same_results():
    scenario = load_scenario(TINY)
    for policy in ("shanghai-2024", "longwan-2023", "changning-2024"):
        a = evaluate(scenario, policy)
        b = evaluate(scenario, policy, backend=PythonBackend())
        for name in ("pairs", "subjects", "tasks", "strata", "findings", "settings"):
            assert getattr(a, name).equals(getattr(b, name)), (policy, name)


def test_many_batches_never_exceed_the_state_limit(monkeypatch):
    """durable-rules fails on the 1025th live state; each batch deletes its own, so 1500 batches pass."""
    monkeypatch.setattr(db, "BATCH", 1)
    law = _Law([parse({"fact": "risk_class", "eq": "A"}, "pair")])
    records = [{"risk_class": "AB"[i % 2]} for i in range(1500)]
    fired = DurableBackend.shared().fire(law, "pair", records)
    assert fired == [["x-1-0"] if i % 2 == 0 else [] for i in range(1500)]


def test_concurrent_evaluations_from_threads():
    scenario = load_scenario(TINY)
    expected = {p: evaluate(scenario, p).pairs for p in ("shanghai-2024", "longwan-2023")}
    errors, results = [], []

    def work(policy: str) -> None:
        try:
            for _ in range(3):
                results.append((policy, evaluate(scenario, policy).pairs))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in ("shanghai-2024", "longwan-2023") * 3]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 18 and all(frame.equals(expected[p]) for p, frame in results)


def test_no_polling_threads_are_started():
    before = threading.active_count()
    DurableBackend().fire(_Law([parse("always", "pair")]), "pair", [{"risk_class": "A"}])
    assert threading.active_count() == before


def test_a_failing_action_is_reported(monkeypatch):
    backend = DurableBackend()

    def broken(index):
        def run(c):
            raise RuntimeError("boom")
        return run

    monkeypatch.setattr(backend, "_action", broken)
    with pytest.raises(db.EngineError, match="boom"):
        backend.fire(_Law([parse({"fact": "risk_class", "eq": "Z"}, "pair"), parse("always", "pair")]), "pair",
                     [{"risk_class": "A"}])


def test_complaints_are_bucketed_without_changing_any_comparison():
    subjects = [{"risk_class": "B", "complaints_verified": n} for n in range(8)]
    scenario = build_scenario(subjects, [{"ratio": 0.1}])
    result = evaluate(scenario, as_of=dt.date(2024, 12, 31))
    targeted = result.pairs.sort("subject_id")["targeted"].to_list()
    assert targeted == [False, False, True, True, True, True, True, True]
    assert result.pairs.filter(pl.col("targeted"))["inclusion_prob"].unique().to_list() == [0.2]
