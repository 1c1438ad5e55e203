"""The facts a rule may test, per scope. A condition naming any other fact is an error in the policy.

Facts are computed from the scenario by :mod:`rules.engine.facts`; their meaning is stated here once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["Fact", "FactKind", "SUBJECT_FACTS", "TASK_FACTS", "ITEM_FACTS", "PLAN_FACTS", "SCOPE_FACTS", "OPERATORS"]

FactKind = Literal["str", "int", "float", "bool", "list"]


@dataclass(frozen=True)
class Fact:
    """A named fact with its kind and meaning."""

    name: str
    kind: FactKind
    description: str


def _facts(*facts: Fact) -> dict[str, Fact]:
    return {f.name: f for f in facts}


SUBJECT_FACTS = _facts(
    Fact("risk_class", "str", "信用风险分类: A low, B general, C relatively high, D high"),
    Fact("penalized_3y", "bool", "an administrative penalty (行政处罚) in the last three years"),
    Fact("complaints_verified", "int", "number of complaints or reports (投诉举报) verified as founded"),
)

TASK_FACTS = _facts(
    Fact("task_id", "str", "the task's id"),
    Fact("object_type", "str", "the object type the task draws from"),
    Fact("lead", "str", "lead department (牵头部门) id"),
    Fact("departments", "list", "lead and partner department ids"),
    Fact("n_departments", "int", "number of departments on the task"),
    Fact("joint", "bool", "two or more departments (联合抽查)"),
    Fact("items", "list", "ids of the items the task inspects"),
    Fact("key_items", "list", "ids of its key (重点) items"),
    Fact("general_items", "list", "ids of its general (一般) items"),
    Fact("unlisted_items", "list", "ids of its items that are not on the scenario's item list"),
    Fact("n_unlisted_items", "int", "number of such items"),
    Fact("all_general", "bool", "every listed item of the task is general"),
    Fact("has_general_item", "bool", "at least one general item"),
    Fact("has_key_item", "bool", "at least one key item"),
    Fact("has_qualified_item", "bool", "at least one item needs an officer qualification"),
    Fact("ratio_mode", "str", "how the plan sets the sample: ratio, count or ratio_by_class"),
    Fact("base_ratio", "float", "ratio; count / eligible; or the eligible-weighted mean of ratio_by_class"),
    Fact("n_eligible", "int", "subjects in the directory with the task's object type"),
    Fact("window_start_month", "int", "month (1-12) the task's window starts"),
    Fact("window_end_month", "int", "month (1-12) the task's window ends"),
)

ITEM_FACTS = _facts(
    Fact("item_id", "str", "the item's id"),
    Fact("kind", "str", "key or general"),
    Fact("department", "str", "owning department id"),
    Fact("qualification", "str", "qualification an officer must hold, or empty"),
    Fact("n_tasks", "int", "number of tasks in the plan that inspect the item"),
)

PLAN_FACTS = _facts(
    Fact("year", "int", "the plan year"),
    Fact("n_subjects", "int", "subjects in the directory"),
    Fact("n_tasks", "int", "tasks in the plan"),
    Fact("n_joint_tasks", "int", "tasks with two or more departments"),
    Fact("n_items", "int", "items on the list"),
    Fact("item_coverage", "float", "share of listed items inspected by at least one task"),
    Fact(
        "expected_sampled_share",
        "float",
        "Σ_i max_t π_it / n_subjects: the least expected share of subjects sampled (full coordination)",
    ),
    Fact("joint_share", "float", "expected inspections in joint tasks / expected inspections in all tasks"),
)

SCOPE_FACTS: dict[str, dict[str, Fact]] = {
    "subject": SUBJECT_FACTS,
    "pair": {**SUBJECT_FACTS, **TASK_FACTS},
    "task": TASK_FACTS,
    "item": ITEM_FACTS,
    "plan": PLAN_FACTS,
}

_ORDERED = {"eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in"}
OPERATORS: dict[FactKind, set[str]] = {
    "str": {"eq", "ne", "in", "not_in"},
    "int": _ORDERED,
    "float": _ORDERED,
    "bool": {"eq", "ne"},
    "list": {"contains", "lacks", "contains_any", "lacks_any", "contains_all", "lacks_all"},
}
