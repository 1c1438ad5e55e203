"""The domain model of a joint-inspection scenario.

Small reference lists (departments, items, object types, tasks) are pydantic models read from
``scenario.yaml``; the two large directories (检查对象名录库 subjects, 执法检查人员名录库 officers) are
polars DataFrames with a checked schema (see :mod:`scenarios.schema`), never lists of objects.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

__all__ = [
    "Department",
    "ItemKind",
    "Item",
    "ObjectType",
    "RiskClass",
    "Window",
    "WindowFlex",
    "Task",
    "ScenarioHeader",
    "ScenarioSpec",
    "Scenario",
    "PAPER_FIELDS",
]

PAPER_FIELDS = ("district", "authority", "seal_text", "contact", "public_url")
"""The letterhead of ``scenario.yaml``: printed on the papers, never read by the planner; left out of the content
hash (:func:`scenarios.load.canonical_hash`), so adding or correcting them changes no plan."""

Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^\s;,]+$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, str_strip_whitespace=True)


class RiskClass(StrEnum):
    """信用风险分类: A low, B general, C relatively high, D high (沪府发〔2024〕6号 一(五))."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"


class ItemKind(StrEnum):
    """重点 (key: safety, quality, public interest; no ratio cap) or 一般 (general; capped ratio)."""

    key = "key"
    general = "general"


class Department(_Strict):
    """A department of the joint conference (联席会议成员单位)."""

    id: Id = Field(description="Short stable identifier, e.g. SAMR")
    name: str = Field(min_length=1, description="Official name, e.g. 区市场监管局")


class ObjectType(_Strict):
    """A type of inspection subject (检查对象类型), e.g. school_canteen."""

    id: Id = Field(description="Identifier used in subjects.csv object_types and in tasks")
    name: str = Field(default="", description="Display name, e.g. 学校食堂")


class Item(_Strict):
    """One line of the 抽查事项清单: owned by one department, key or general."""

    id: Id = Field(description="Item code, e.g. A99")
    name: str = Field(min_length=1, description="Item name, e.g. 公示信息检查")
    department: Id = Field(description="Owning department id")
    kind: ItemKind = Field(description="key (重点) or general (一般)")
    qualification: str | None = Field(
        default=None, description="Qualification an officer on the team must hold, or none"
    )


class Window(_Strict):
    """A closed date interval [start, end]."""

    start: dt.date
    end: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.end < self.start:
            raise PydanticCustomError("window.end_before_start", "end {end} is before start {start}",
                                      {"end": str(self.end), "start": str(self.start)})
        return self

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


class WindowFlex(_Strict):
    """The range inside which the optimiser may move a task's window (keeping its length)."""

    earliest: dt.date
    latest: dt.date

    @model_validator(mode="after")
    def _ordered(self) -> "WindowFlex":
        if self.latest < self.earliest:
            raise PydanticCustomError("flex.latest_before_earliest", "latest {latest} is before earliest {earliest}",
                                      {"latest": str(self.latest), "earliest": str(self.earliest)})
        return self


class Task(_Strict):
    """One line of the annual joint plan (抽查任务): lead and partner departments inspect one object type."""

    id: Id
    name: str = Field(min_length=1)
    lead: Id = Field(description="牵头部门")
    partners: list[Id] = Field(default_factory=list, description="参与部门")
    items: list[Id] = Field(min_length=1, description="Items inspected, from the item list")
    object_type: Id = Field(description="Object type drawn from")
    window: Window
    window_flex: WindowFlex | None = None
    ratio: float | None = Field(default=None, gt=0, le=1, strict=True, description="Base sampling ratio in (0, 1]")
    count: int | None = Field(default=None, ge=1, le=10**9, strict=True,
                              description="Fixed number of subjects to draw (at most 10⁹)")
    ratio_by_class: dict[RiskClass, Annotated[float, Field(gt=0, le=1, strict=True)]] | None = Field(
        default=None, description="Optional ratio per risk class, replacing base ratio × class multiplier"
    )

    @model_validator(mode="after")
    def _ratio_or_count(self) -> "Task":
        given = [n for n in ("ratio", "count", "ratio_by_class") if getattr(self, n) is not None]
        if len(given) != 1:
            raise PydanticCustomError("task.sampling_one", "give exactly one of ratio, count or ratio_by_class (got {given})",
                                      {"given": ", ".join(given) or "—"})
        return self

    @property
    def departments(self) -> list[str]:
        """Lead first, then partners, without repeats."""
        return list(dict.fromkeys([self.lead, *self.partners]))


class ScenarioHeader(_Strict):
    """The scalar fields of ``scenario.yaml``."""

    name: str = Field(min_length=1)
    year: int = Field(ge=2000, le=2100)
    policy: Id = Field(description="A policy file rules/policies/<policy>.yaml")
    description: str = ""
    subjects: str = Field(default="subjects.csv", description="Subject directory, a file in the scenario directory")
    officers: str = Field(default="officers.csv", description="Officer directory, a file in the scenario directory")
    availability: str | None = Field(
        default=None, description="Officers' availability (leave, training): a file in the scenario directory with "
                                  "officer_id,start,end,weekly_capacity (scenarios.availability)")
    generator: dict[str, Any] | None = Field(default=None, description="Provenance of a generated scenario")
    risk_scorecard: str | None = Field(
        default=None, description="Scorecard that made risk_class (jointcheck score); the given class is risk_class_given")
    district: str | None = Field(default=None, min_length=1, max_length=40,
                                 description="The district the papers name, e.g. 长宁区")
    authority: str | None = Field(default=None, min_length=1, max_length=80,
                                  description="The issuing unit (编制单位) that signs and seals the papers, e.g. 长宁区市场监督管理局")
    seal_text: str | None = Field(default=None, min_length=1, max_length=80,
                                  description="The words of the seal (盖章) line; default: the authority")
    contact: str | None = Field(default=None, min_length=1, max_length=120,
                                description="Whom a firm calls about the papers, e.g. 联席会议办公室 021-22050000")
    public_url: str | None = Field(default=None, max_length=200, pattern=r"^https?://[^\s<>\"']+$",
                                   description="The public 检查码 service (jointcheck serve) a task sheet's QR leads to: "
                                               "the QR encodes URL/c/CODE")


class ScenarioSpec(ScenarioHeader):
    """The content of ``scenario.yaml``."""

    departments: list[Department] = Field(min_length=1)
    object_types: list[ObjectType] | None = Field(
        default=None, description="Declared object types; when absent, those found in subjects.csv"
    )
    items: list[Item] = Field(min_length=1)
    tasks: list[Task] = Field(min_length=1)


class Scenario(BaseModel):
    """A loaded, validated scenario: the reference lists plus both directories as DataFrames."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    root: Path
    spec: ScenarioSpec
    subjects: pl.DataFrame = Field(description="Subject directory, schema scenarios.schema.SUBJECTS")
    officers: pl.DataFrame = Field(description="Officer directory, schema scenarios.schema.OFFICERS")
    content_hash: str = Field(description="Canonical SHA-256 of the content (see scenarios.load.canonical_hash)")
    availability: pl.DataFrame | None = Field(
        None, description="officer_id, start, end, weekly_capacity (scenarios.availability); None when not given")

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def year(self) -> int:
        return self.spec.year

    @property
    def policy(self) -> str:
        return self.spec.policy

    @property
    def tasks(self) -> list[Task]:
        return self.spec.tasks

    @property
    def departments(self) -> dict[str, Department]:
        return {d.id: d for d in self.spec.departments}

    @property
    def items(self) -> dict[str, Item]:
        return {i.id: i for i in self.spec.items}

    def task_qualifications(self) -> pl.DataFrame:
        """Per task: each (department, qualification) its items require on the team (沪府发〔2024〕6号 一(三)).

        Columns task_id, department, qualification; one row per distinct requirement.
        """
        items = self.items
        rows = {
            (t.id, items[i].department, items[i].qualification)
            for t in self.tasks for i in t.items if items[i].qualification
        }
        return pl.DataFrame(
            sorted(rows), schema={"task_id": pl.String, "department": pl.String, "qualification": pl.String},
            orient="row",
        )

    def object_type_ids(self) -> list[str]:
        """Declared object types, or else the sorted set found in the subject directory."""
        if self.spec.object_types is not None:
            return [o.id for o in self.spec.object_types]
        return sorted(self.subjects["object_types"].explode().drop_nulls().unique().to_list())

