"""Conditions of rules: parsed from YAML, checked against the fact vocabulary, resolved, and evaluated.

The YAML form::

    always                                   # holds for every fact of the scope
    {fact: risk_class, eq: A}                # one test; operators per kind in rules.engine.vocabulary.OPERATORS
    {fact: complaints_verified, gte: {param: targeted_complaints_min}}
    {fact: object_type, in: {param: food_object_types}}
    {fact: items, lacks_any: {param: merged_general_items}}
    {all: [cond, ...]}  {any: [cond, ...]}  {not: cond}

Parameters are replaced by their value on the evaluation date (:func:`resolve`) before a condition is
compiled for the rule engine (:mod:`rules.engine.durable_backend`) or evaluated here (:func:`holds`, the
reference semantics the compiled form is tested against).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from rules.engine.vocabulary import OPERATORS, SCOPE_FACTS

__all__ = [
    "Always",
    "Never",
    "Compare",
    "All",
    "AnyOf",
    "Not",
    "Cond",
    "ConditionError",
    "parse",
    "resolve",
    "push_not",
    "holds",
    "params_used",
    "thresholds",
    "render",
]


class ConditionError(ValueError):
    """A condition that names an unknown fact, operator or parameter, or compares the wrong kind of value."""


@dataclass(frozen=True)
class Param:
    name: str


@dataclass(frozen=True)
class Always:
    pass


@dataclass(frozen=True)
class Never:
    pass


@dataclass(frozen=True)
class Compare:
    fact: str
    op: str
    value: Any  # a literal, a tuple of literals, or Param before resolution


@dataclass(frozen=True)
class All:
    parts: tuple["Cond", ...]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple["Cond", ...]


@dataclass(frozen=True)
class Not:
    part: "Cond"


Cond = Union[Always, Never, Compare, All, AnyOf, Not]
_LIST_VALUED = {"in", "not_in", "contains_any", "lacks_any", "contains_all", "lacks_all"}
_NEGATE = {
    "eq": "ne", "ne": "eq", "lt": "gte", "gte": "lt", "lte": "gt", "gt": "lte", "in": "not_in", "not_in": "in",
    "contains": "lacks", "lacks": "contains", "contains_any": "lacks_all", "lacks_all": "contains_any",
    "contains_all": "lacks_any", "lacks_any": "contains_all",
}
_SYMBOL = {"eq": "=", "ne": "≠", "lt": "<", "lte": "≤", "gt": ">", "gte": "≥", "in": "in", "not_in": "not in",
           "contains": "contains", "lacks": "lacks", "contains_any": "contains any of", "lacks_any": "lacks one of",
           "contains_all": "contains all of", "lacks_all": "contains none of"}


def parse(raw: Any, scope: str, where: str = "when") -> Cond:
    """Parse a YAML condition for ``scope``; raise ConditionError naming ``where`` and what was expected."""
    facts = SCOPE_FACTS[scope]
    if raw in ("always", True, None):
        return Always()
    if not isinstance(raw, dict):
        raise ConditionError(f"{where}: expected 'always', {{fact: ..., <op>: ...}}, {{all: [...]}}, {{any: [...]}} "
                             f"or {{not: ...}}, got {raw!r}")
    if set(raw) in ({"all"}, {"any"}):
        key = next(iter(raw))
        if not isinstance(raw[key], list):
            raise ConditionError(f"{where}.{key}: expected a list of conditions")
        parts = tuple(parse(p, scope, f"{where}.{key}[{i}]") for i, p in enumerate(raw[key]))
        return All(parts) if key == "all" else AnyOf(parts)
    if set(raw) == {"not"}:
        return Not(parse(raw["not"], scope, f"{where}.not"))
    if "fact" not in raw:
        raise ConditionError(f"{where}: unknown condition keys {sorted(raw)}; expected fact, all, any or not")
    name = raw["fact"]
    if name not in facts:
        raise ConditionError(f"{where}: unknown fact {name!r} for a {scope} rule; known: {', '.join(sorted(facts))}")
    ops = [k for k in raw if k != "fact"]
    kind = facts[name].kind
    if len(ops) != 1 or ops[0] not in OPERATORS[kind]:
        raise ConditionError(f"{where}: fact {name!r} ({kind}) needs exactly one operator of "
                             f"{', '.join(sorted(OPERATORS[kind]))}; got {', '.join(ops) or 'none'}")
    op, value = ops[0], raw[ops[0]]
    if isinstance(value, dict):
        if set(value) != {"param"}:
            raise ConditionError(f"{where}: a value must be a literal or {{param: name}}, got {value!r}")
        return Compare(name, op, Param(str(value["param"])))
    test = Compare(name, op, tuple(value) if isinstance(value, list) else value)
    check_types(test, scope, where)
    return test


def _fits(kind: str, value: Any) -> bool:
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, str)  # str facts, and the elements of list facts


def check_types(test: Compare, scope: str, where: str) -> None:
    """Raise ConditionError unless ``test.value`` (resolved) is the kind the fact and operator need."""
    kind = SCOPE_FACTS[scope][test.fact].kind
    if test.op in _LIST_VALUED:
        ok = isinstance(test.value, (tuple, list)) and all(_fits(kind, v) for v in test.value)
        need = f"a list of {'names' if kind == 'list' else kind}"
    else:
        ok = _fits(kind, test.value)
        need = "a name" if kind == "list" else kind
    if not ok:
        raise ConditionError(f"{where}: {test.fact} {test.op} needs {need}, got {test.value!r}")


def params_used(cond: Cond) -> set[str]:
    """Names of the parameters a condition refers to."""
    if isinstance(cond, Compare):
        return {cond.value.name} if isinstance(cond.value, Param) else set()
    if isinstance(cond, (All, AnyOf)):
        return set().union(*(params_used(p) for p in cond.parts)) if cond.parts else set()
    if isinstance(cond, Not):
        return params_used(cond.part)
    return set()


def resolve(cond: Cond, values: dict[str, Any], scope: str, where: str = "when") -> Cond:
    """Replace parameters by their values; check the kinds again."""
    if isinstance(cond, Compare):
        if not isinstance(cond.value, Param):
            return cond
        value = values[cond.value.name]
        test = Compare(cond.fact, cond.op, tuple(value) if isinstance(value, list) else value)
        check_types(test, scope, f"{where} (parameter {cond.value.name})")
        return test
    if isinstance(cond, All):
        return All(tuple(resolve(p, values, scope, where) for p in cond.parts))
    if isinstance(cond, AnyOf):
        return AnyOf(tuple(resolve(p, values, scope, where) for p in cond.parts))
    if isinstance(cond, Not):
        return Not(resolve(cond.part, values, scope, where))
    return cond


def push_not(cond: Cond, negate: bool = False) -> Cond:
    """An equivalent condition without Not (De Morgan; each test's operator negated)."""
    if isinstance(cond, Not):
        return push_not(cond.part, not negate)
    if isinstance(cond, (All, AnyOf)):
        parts = tuple(push_not(p, negate) for p in cond.parts)
        flip = isinstance(cond, All) == negate
        return AnyOf(parts) if flip else All(parts)
    if isinstance(cond, Compare):
        return Compare(cond.fact, _NEGATE[cond.op], cond.value) if negate else cond
    if isinstance(cond, Always):
        return Never() if negate else cond
    return Always() if negate else cond


def _test(op: str, have: Any, want: Any) -> bool:
    if op in ("contains", "lacks", "contains_any", "lacks_any", "contains_all", "lacks_all"):
        have = set(have)
        return {
            "contains": lambda: want in have,
            "lacks": lambda: want not in have,
            "contains_any": lambda: any(w in have for w in want),
            "lacks_any": lambda: any(w not in have for w in want),
            "contains_all": lambda: all(w in have for w in want),
            "lacks_all": lambda: all(w not in have for w in want),
        }[op]()
    return {
        "eq": lambda: have == want, "ne": lambda: have != want, "lt": lambda: have < want,
        "lte": lambda: have <= want, "gt": lambda: have > want, "gte": lambda: have >= want,
        "in": lambda: have in want, "not_in": lambda: have not in want,
    }[op]()


def holds(cond: Cond, facts: dict[str, Any]) -> bool:
    """Evaluate a resolved condition on one fact record (the reference semantics)."""
    if isinstance(cond, Always):
        return True
    if isinstance(cond, Never):
        return False
    if isinstance(cond, Compare):
        return _test(cond.op, facts[cond.fact], cond.value)
    if isinstance(cond, All):
        return all(holds(p, facts) for p in cond.parts)
    if isinstance(cond, AnyOf):
        return any(holds(p, facts) for p in cond.parts)
    return not holds(cond.part, facts)


def thresholds(cond: Cond, fact: str) -> set[float]:
    """Numeric constants a resolved condition compares ``fact`` with (to bucket counts into profiles)."""
    if isinstance(cond, Compare):
        if cond.fact != fact:
            return set()
        values = cond.value if isinstance(cond.value, tuple) else (cond.value,)
        return {float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)}
    if isinstance(cond, (All, AnyOf)):
        return set().union(*(thresholds(p, fact) for p in cond.parts)) if cond.parts else set()
    if isinstance(cond, Not):
        return thresholds(cond.part, fact)
    return set()


def _show(value: Any) -> str:
    if isinstance(value, Param):
        return value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


_SYMBOL_ZH = {"in": "属于", "not_in": "不属于", "contains": "包含", "lacks": "不含", "contains_any": "包含其一",
              "lacks_any": "缺少其一", "contains_all": "全部包含", "lacks_all": "全不包含"}
FACTS_ZH = {"risk_class": "信用风险分类", "penalized_3y": "近三年受行政处罚", "complaints_verified": "经核实投诉",
            "ratio_mode": "抽取方式", "object_type": "对象类型", "object_types": "对象类型", "grid": "网格",
            "items": "抽查事项", "item_kinds": "事项类别", "departments": "部门", "lead": "牵头部门",
            "partners": "参与部门", "department": "部门", "kind": "事项类别", "qualification": "资质"}
_VALUES_ZH = {"ratio": "抽查比例", "count": "固定户数", "ratio_by_class": "分类比例", "key": "重点", "general": "一般"}
_WORDS_ZH = {"always": "总是", "never": "从不", "and": "且", "or": "或", "not": "非", "true": "是", "false": "否"}


def _show_zh(value: Any) -> str:
    if isinstance(value, bool):
        return _WORDS_ZH["true" if value else "false"]
    if isinstance(value, tuple):
        return "[" + "、".join(_show_zh(v) for v in value) + "]"
    return _show(value)


def render(cond: Cond, lang: str = "en") -> str:
    """The condition as a short readable formula, e.g. ``risk_class in [C, D] and penalized_3y = true``
    (in Chinese with ``lang="zh"``: ``信用风险分类 属于 [C、D] 且 近三年受行政处罚 = 是``)."""
    zh = lang == "zh"
    word = (lambda w: _WORDS_ZH[w]) if zh else (lambda w: w)
    if isinstance(cond, Always):
        return word("always")
    if isinstance(cond, Never):
        return word("never")
    if isinstance(cond, Compare):
        if zh:
            value = _VALUES_ZH.get(cond.value, _show_zh(cond.value)) if isinstance(cond.value, str) else _show_zh(cond.value)
            return f"{FACTS_ZH.get(cond.fact, cond.fact)} {_SYMBOL_ZH.get(cond.op, _SYMBOL[cond.op])} {value}"
        return f"{cond.fact} {_SYMBOL[cond.op]} {_show(cond.value)}"
    if isinstance(cond, Not):
        return f"{word('not')} ({render(cond.part, lang)})"
    joiner = f" {word('and')} " if isinstance(cond, All) else f" {word('or')} "
    inner = [render(p, lang) for p in cond.parts]
    return joiner.join(f"({t})" if (f" {word('and')} " in t or f" {word('or')} " in t) else t for t in inner) or (
        word("always") if isinstance(cond, All) else word("never"))
