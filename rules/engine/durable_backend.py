"""The durable-rules backend: each scope of the law in force becomes one durable-rules ruleset.

durable-rules 2.0.28 (unmaintained since 2020) has traits this module designs around:

* Rulesets live in a registry of the native module and cannot be redefined. Each compiled ruleset is
  named by a hash of its definition (``jc-<sha256>``) and registered once, on one Host per process.
  A reform or another evaluation date gives another definition, hence another ruleset; identical ones
  are reused. Registered rulesets are never freed (a few kB each).
* ``engine.Host()`` starts two timer threads that poll every ruleset forever. We subclass it without
  them (:class:`_QuietHost`): we use no timers, and every action runs synchronously inside our own
  ``assert_facts`` call, so the pollers could only race with us.
* The engine has no locks. All use goes through one module lock (the Streamlit app calls from
  several threads).
* One ruleset holds at most 1024 state contexts (sid); the 1025th fails (MemoryError, or worse). Each
  batch of at most :data:`BATCH` facts gets a fresh sid and the state is deleted right after, so at
  most one context is ever alive.
* ~8 kB per asserted fact: batches bound the memory; the caller sends one record per distinct fact
  profile, never one per subject.
* Asserting a fact that no rule matches raises, and so does a repeated fact: every ruleset has a
  catch-all rule, and every record carries a unique ``pid`` in a fresh sid.
* A fact matching both branches of an ``$or`` fires the rule twice: firings are collected as sets.
* ``$iall`` is false on an empty list: list facts are sent with a sentinel element appended.
* An exception inside an action is swallowed into the state: the state is checked after each batch.
* Its JSON parser mis-reads numbers in exponent notation (``1e-05``, which is how Python writes a ratio
  below 0.0001): the fact and every later fact of the batch are evaluated wrongly, and a second fact after
  it crashes the process (segmentation fault). Numbers therefore never reach it as JSON floats: every
  number, in a fact or in a condition, is sent as its order-preserving int64 key (:func:`number_key`),
  which the engine compares exactly; booleans stay booleans. Callers cross-check the results against the
  Python reference (:class:`rules.engine.backend.CheckedBackend`).
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
import threading
from typing import Any

from durable import engine

from rules.engine.conditions import All, Always, AnyOf, Compare, Cond, Never
from rules.engine.errors import EngineError
from rules.law.policy import InForce

__all__ = ["DurableBackend", "compile_condition", "number_key", "BATCH", "EngineError"]

BATCH = 1000
_SENTINEL = "\u0000"
_LOCK = threading.Lock()
_TRUE: dict[str, Any] = {"$ex": {"pid": 1}}
_FALSE: dict[str, Any] = {"$and": [{"$ex": {"pid": 1}}, {"$nex": {"pid": 1}}]}
_CMP = {"ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}


_EXACT_INT = 2**53


def number_key(value: int | float, where: str = "") -> int:
    """An int64 that orders and compares like ``value`` (equal keys ⇔ equal numbers).

    The IEEE-754 bit pattern of a non-negative double read as an integer is strictly increasing in the
    number; negatives mirror it. Every int up to 2**53 has an exact double, so ints and floats keep
    Python's comparisons. NaN, infinities and larger ints have no such key and raise :class:`EngineError`.
    """
    if isinstance(value, int) and abs(value) > _EXACT_INT:
        raise EngineError(f"{where or 'a number'} = {value} is too large for the rule engine (at most 2**53)")
    x = float(value)
    if not math.isfinite(x):
        raise EngineError(f"{where or 'a number'} = {value} is not a finite number")
    bits = struct.unpack("<q", struct.pack("<d", abs(x)))[0]
    return -bits if x < 0 else bits


def _value(value: Any, where: str) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    return number_key(value, where)


class _QuietHost(engine.Host):
    """A durable-rules Host that does not start the two polling timer threads (see module docstring)."""

    def _run(self) -> None:  # noqa: D401 - overrides the thread start-up of engine.Host
        return None


def _join(op: str, parts: list[dict[str, Any]], empty: dict[str, Any]) -> dict[str, Any]:
    if not parts:
        return empty
    return parts[0] if len(parts) == 1 else {op: parts}


def _test(t: Compare) -> dict[str, Any]:
    f = t.fact
    v = tuple(_value(x, f) for x in t.value) if isinstance(t.value, tuple) else _value(t.value, f)
    contains = lambda x: {"$iany": {f: {"$i": x}}}  # noqa: E731
    lacks = lambda x: {"$iall": {f: {"$neq": {"$i": x}}}}  # noqa: E731
    match t.op:
        case "eq":
            return {f: v}
        case "ne" | "lt" | "lte" | "gt" | "gte":
            return {_CMP[t.op]: {f: v}}
        case "in":
            return _join("$or", [{f: x} for x in v], _FALSE)
        case "not_in":
            return _join("$and", [{"$neq": {f: x}} for x in v], _TRUE)
        case "contains":
            return contains(v)
        case "lacks":
            return lacks(v)
        case "contains_any":
            return _join("$or", [contains(x) for x in v], _FALSE)
        case "lacks_any":
            return _join("$or", [lacks(x) for x in v], _FALSE)
        case "contains_all":
            return _join("$and", [contains(x) for x in v], _TRUE)
        case "lacks_all":
            return _join("$and", [lacks(x) for x in v], _TRUE)
    raise EngineError(f"operator {t.op!r} has no durable-rules form")


def compile_condition(cond: Cond) -> dict[str, Any]:
    """The durable-rules JSON expression of a resolved condition without Not (see conditions.push_not)."""
    if isinstance(cond, Always):
        return _TRUE
    if isinstance(cond, Never):
        return _FALSE
    if isinstance(cond, Compare):
        return _test(cond)
    if isinstance(cond, All):
        return _join("$and", [compile_condition(p) for p in cond.parts], _TRUE)
    if isinstance(cond, AnyOf):
        return _join("$or", [compile_condition(p) for p in cond.parts], _FALSE)
    raise EngineError(f"cannot compile {cond!r}: negations must be pushed to the tests first")


def _encode(name: str, value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [*(_value(x, name) for x in value), _SENTINEL]
    if value is None:
        raise EngineError(f"fact {name} is null; facts sent to durable-rules must not be null")
    return _value(value, name)


class DurableBackend:
    """Fires rules with durable-rules. Use :meth:`shared`: one instance (one Host) per process."""

    _shared: "DurableBackend | None" = None

    def __init__(self) -> None:
        self._host: _QuietHost | None = None
        self._rulesets: dict[str, list[str]] = {}  # ruleset name → rule ids by index
        self._sink: list[set[int]] | None = None
        self._batches = 0

    @classmethod
    def shared(cls) -> "DurableBackend":
        with _LOCK:
            if cls._shared is None:
                cls._shared = cls()
            return cls._shared

    @property
    def registered(self) -> int:
        """Number of rulesets registered so far in this process."""
        return len(self._rulesets)

    def _action(self, index: int):
        def run(c: engine.Closure) -> None:
            self._sink[c.m["pid"]].add(index)  # type: ignore[index]
        return run

    def _ruleset(self, law: InForce, scope: str) -> tuple[str, list[str]]:
        rules = law.scope(scope)
        body = {f"r{k}": {"all": [{"m": compile_condition(r.cond)}]} for k, r in enumerate(rules)}
        text = json.dumps([scope, [r.rule.id for r in rules], body], sort_keys=True, ensure_ascii=False)
        name = "jc-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]
        if name not in self._rulesets:
            if self._host is None:
                self._host = _QuietHost()
            definition = {key: {**rule, "run": self._action(k)} for k, (key, rule) in enumerate(body.items())}
            definition["seen"] = {"all": [{"m": _TRUE}], "run": lambda c: None}
            self._host.register_rulesets({name: definition})
            self._rulesets[name] = [r.rule.id for r in rules]
        return name, self._rulesets[name]

    def fire(self, law: InForce, scope: str, records: list[dict[str, Any]]) -> list[list[str]]:
        """For each record, the ids of the rules of ``scope`` that fire, in policy order."""
        if not records:
            return []
        if not law.scope(scope):
            return [[] for _ in records]
        with _LOCK:
            name, ids = self._ruleset(law, scope)
            fired: list[set[int]] = [set() for _ in records]
            for start in range(0, len(records), BATCH):
                self._batches += 1
                sid = f"b{self._batches}"
                facts = [
                    {**{k: _encode(k, v) for k, v in rec.items()}, "pid": start + i, "sid": sid}
                    for i, rec in enumerate(records[start:start + BATCH])
                ]
                self._sink = fired
                try:
                    self._host.assert_facts(name, facts)  # type: ignore[union-attr]
                    state = self._host.get_state(name, sid)  # type: ignore[union-attr]
                finally:
                    self._sink = None
                    self._host.delete_state(name, sid)  # type: ignore[union-attr]
                if "exception" in state:
                    raise EngineError(f"a rule action failed in durable-rules: {state['exception']}")
            return [[ids[k] for k in sorted(s)] for s in fired]
