"""The shape of a policy file (``rules/policies/<id>.yaml``), checked by pydantic.

A policy is law as data (OpenFisca habit): every parameter carries a description, a unit, a reference
(document and clause) and values keyed by the date they take effect; every rule carries an id naming
its clause, the quoted statement (Chinese original and plain English), its source, the date it takes
effect, a condition over facts (:mod:`rules.engine.conditions`) and its effects (:class:`Effects`).

The meaning of each effect is fixed by the engine (:mod:`rules.evaluate`); the law file decides when it
applies and with which parameter values. Nothing legal is written in Python.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "Scope",
    "Severity",
    "Reference",
    "Statement",
    "DatedValue",
    "Parameter",
    "ParamRef",
    "FindingSpec",
    "RoleRequirement",
    "Effects",
    "Rule",
    "PolicyFile",
    "SCOPE_EFFECTS",
]

Scope = Literal["subject", "pair", "task", "item", "plan"]
Severity = Literal["error", "warning"]
RULE_ID = r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Reference(_Model):
    """Where a rule or parameter comes from: a document and a clause in it (e.g. 沪府发〔2024〕6号, 一(五))."""

    document: str = Field(min_length=1, description="Document number or title, e.g. 沪府发〔2024〕6号")
    clause: str = Field(min_length=1, description="Clause, e.g. 一(五), 第四十二条")
    link: str | None = Field(default=None, description="Where the document is published")
    note: str | None = Field(default=None, description="How the clause is read, where it leaves room")

    def __str__(self) -> str:
        return f"{self.document} {self.clause}"


class Statement(_Model):
    """The rule in words: the original quoted, and a plain-English rendering."""

    zh: str = Field(min_length=1, description="The clause quoted in the original Chinese")
    en: str = Field(min_length=1, description="Plain-English statement of what the rule does")


class DatedValue(_Model):
    """One value of a parameter, in force from the date it is keyed by. ``null`` means 'none' (e.g. no cap)."""

    value: Any = None


class Label(_Model):
    """A parameter's name for people, in Chinese and English (the id stays the name rules use)."""

    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Parameter(_Model):
    """A legal parameter: a number, flag, list or mapping that rules refer to by name."""

    label: Label | None = Field(default=None, description="Name shown to planners, Chinese and English")
    description: str = Field(min_length=1)
    description_zh: str | None = Field(default=None, description="The description in Chinese")
    unit: str = Field(min_length=1, description="One of rules.law.units.UNITS")
    reference: Reference
    values: dict[dt.date, DatedValue] = Field(min_length=1, description="Values keyed by the date they take effect")


class ParameterPatch(_Model):
    """A child policy's change to an inherited parameter: new dated values, optionally a new reference."""

    label: Label | None = None
    description: str | None = None
    description_zh: str | None = None
    unit: str | None = None
    reference: Reference | None = None
    values: dict[dt.date, DatedValue] = Field(default_factory=dict)


class ParamRef(_Model):
    """A reference to a parameter, optionally indexed by a fact (``{param: class_multiplier, by: risk_class}``)."""

    param: str = Field(min_length=1)
    by: str | None = Field(default=None, description="Fact whose value selects an entry of a mapping parameter")


class FindingSpec(_Model):
    """A finding raised when the rule fires. The message is a ``str.format`` template over the scope's
    facts and ``p.<parameter>``, e.g. ``"task {task_id}: {base_ratio:.1%} exceeds {p.general_item_cap:.0%}"``."""

    severity: Severity
    message: str = Field(min_length=1)
    message_zh: str | None = Field(None, min_length=1, description="the same message in Chinese (same fields)")


class RoleRequirement(_Model):
    """Departments that must go together (配对), named by role and mapped to a scenario's department ids."""

    roles: ParamRef | list[str] = Field(description="Role names, e.g. 餐饮科, 特种设备科")
    map: ParamRef | None = Field(default=None, description="Parameter mapping role → department id")


class Effects(_Model):
    """What a rule does when its condition holds. Each effect belongs to one scope (see SCOPE_EFFECTS).

    pair:    multiply (factor on the inclusion probability), targeted (定向抽查), mandatory (π = 1)
    subject: annual_cap (most inspections a year; null = no cap; the smallest applying cap wins)
    task:    require_roles, min_officers_per_visit, min_officers_per_department (largest wins),
             exclude_own_grid, require_item_qualifications, one_visit
    plan:    settings (named values the planner must respect, e.g. publication deadlines)
    any:     finding (an error or warning about the plan)
    An empty ``then`` records that the rule applied (it shows in traces) without changing anything.
    """

    multiply: ParamRef | float | None = None
    targeted: bool | None = None
    mandatory: ParamRef | bool | None = None
    annual_cap: ParamRef | int | None = Field(default=None, description="Use a parameter whose value may be null")
    require_roles: RoleRequirement | None = None
    min_officers_per_visit: ParamRef | int | None = None
    min_officers_per_department: ParamRef | int | None = None
    exclude_own_grid: ParamRef | bool | None = None
    require_item_qualifications: bool | None = None
    one_visit: bool | None = None
    settings: dict[str, ParamRef] | None = None
    finding: FindingSpec | None = None

    def given(self) -> list[str]:
        """Names of the effects this rule sets."""
        return [name for name in type(self).model_fields if getattr(self, name) is not None]


SCOPE_EFFECTS: dict[str, set[str]] = {
    "pair": {"multiply", "targeted", "mandatory", "finding"},
    "subject": {"annual_cap", "finding"},
    "task": {
        "require_roles",
        "min_officers_per_visit",
        "min_officers_per_department",
        "exclude_own_grid",
        "require_item_qualifications",
        "one_visit",
        "finding",
    },
    "item": {"finding"},
    "plan": {"settings", "finding"},
}


class Rule(_Model):
    """One rule of a policy: cited, dated, with a condition and effects."""

    id: str = Field(pattern=RULE_ID, description="Carries the clause, e.g. sh2024-1-5-targeted for 一(五)")
    scope: Scope = Field(description="What the rule is about: a subject, a (subject, task) pair, a task, an item, the plan")
    statement: Statement
    source: Reference
    also: list[Reference] = Field(default_factory=list, description="Further sources that support the rule")
    effective: dt.date = Field(description="First day the rule applies")
    until: dt.date | None = Field(default=None, description="First day it no longer applies (repeal), if any")
    when: Any = Field(default="always", description="Condition over facts, see rules.engine.conditions")
    then: Effects = Field(default_factory=Effects)

    @model_validator(mode="before")
    @classmethod
    def _source_required(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("source"):
            ident = data.get("id", "?")
            raise ValueError(f"rule {ident!r} has no source: give source: {{document: ..., clause: ...}}")
        return data

    @model_validator(mode="after")
    def _effects_fit_scope(self) -> "Rule":
        allowed = SCOPE_EFFECTS[self.scope]
        wrong = [name for name in self.then.given() if name not in allowed]
        if wrong:
            raise ValueError(
                f"rule {self.id!r} (scope {self.scope}) cannot set {', '.join(wrong)}; "
                f"a {self.scope} rule may set {', '.join(sorted(allowed))}"
            )
        if self.until is not None and self.until <= self.effective:
            raise ValueError(f"rule {self.id!r}: until {self.until} is not after effective {self.effective}")
        return self

    def in_force(self, day: dt.date) -> bool:
        """True when ``effective <= day`` and (no repeal or ``day < until``)."""
        return self.effective <= day and (self.until is None or day < self.until)


class PolicyFile(_Model):
    """The content of one policy file."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: str = Field(min_length=1)
    source: Reference = Field(description="The document as a whole and the clause that puts it in force")
    in_force: dt.date = Field(description="The day the document takes effect (施行日期)")
    extends: str | None = Field(default=None, description="Id of the policy this one builds on")
    description: str = ""
    parameters: dict[str, Parameter | ParameterPatch] = Field(default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("parameters", mode="before")
    @classmethod
    def _keep_raw(cls, value: Any) -> Any:
        # complete definitions become Parameter, partial ones (only in a child) ParameterPatch
        if not isinstance(value, dict):
            return value
        out = {}
        for name, body in value.items():
            if isinstance(body, dict) and {"description", "unit", "reference"} <= set(body):
                out[name] = Parameter.model_validate(body)
            else:
                out[name] = ParameterPatch.model_validate(body)
        return out
