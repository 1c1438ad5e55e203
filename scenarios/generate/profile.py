"""The generator's input: a district profile (departments, object types, task templates and their items).

A profile holds assumptions for synthetic data, not law; each is documented in the profile file. Items come
from the catalogue (:mod:`scenarios.generate.catalogue`); a profile's own ``topics`` serve only departments
and object types the catalogue does not cover.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field

from scenarios.messages import Message
from scenarios.model import ItemKind

__all__ = ["Profile", "DepartmentProfile", "ObjectTypeProfile", "Topic", "TaskTemplate", "load_profile", "PROFILES"]

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DepartmentProfile(_Frozen):
    id: str
    name: str
    officers: int = Field(ge=1, description="Officers in the directory")
    local: bool = Field(default=False, description="Officers sit in grids (市场监管所, 派出所…) rather than the district office")
    qualifications: dict[str, float] = Field(default_factory=dict, description="Share of officers holding each")


class ObjectTypeProfile(_Frozen):
    id: str
    name: str
    weight: float = Field(ge=0, description="Relative share of the directory as primary type")
    also: dict[str, float] = Field(default_factory=dict, description="Chance of also being of another type")


class Topic(_Frozen):
    name: str
    kind: ItemKind
    qualification: str | None = None


class TaskTemplate(_Frozen):
    name: str
    object_type: str
    lead: str
    partners: list[str] = Field(default_factory=list)
    window: tuple[str, str] = Field(description="MM-DD start and end")
    flex: tuple[str, str] | None = None
    count: int = Field(ge=1, description="Subjects before calibration")
    items: dict[str, list[str]] | None = Field(
        default=None, description="Catalogue item names per department that the task must inspect (its name says so)"
    )
    topics: dict[str, list[str]] | None = Field(
        default=None, description="Profile topic names per department (profiles without catalogue entries)"
    )


class Profile(_Frozen):
    name: str
    year: int
    policy: str
    description: str = ""
    random_seed: int
    n_subjects: int = Field(ge=1)
    target_single_department_visits: int | None = None
    target_items: int | None = None
    general_item_ratio_cap: float = 0.05
    grids: list[str] = Field(min_length=1)
    risk_mix: dict[str, float]
    penalized_3y_rate: dict[str, float]
    complaints_mean: dict[str, float]
    officer_capacity: tuple[int, int] = (3, 8)
    departments: list[DepartmentProfile]
    district: str | None = Field(default=None, description="District name in subject names, e.g. 长宁区")
    authority: str | None = Field(
        default=None, description="编制单位 the papers name (scenario.yaml authority); default: the district's 市场监督管理局")
    seal_text: str | None = Field(default=None, description="Words of the seal line (scenario.yaml seal_text)")
    contact: str | None = Field(default=None, description="Whom a firm calls about the papers (scenario.yaml contact)")
    area_code: str | None = Field(
        default=None, pattern=r"^[0-9]{6}$",
        description="行政区划码 of the district: subject ids become 统一社会信用代码 (GB 32100-2015); else plain numbers",
    )
    topics: dict[str, list[Topic]] = Field(
        default_factory=dict, description="Generic topics per department, used where the catalogue has no entry"
    )
    object_types: list[ObjectTypeProfile]
    tasks: list[TaskTemplate]


def available_profiles() -> list[str]:
    return sorted(p.stem for p in PROFILE_DIR.glob("*.yaml"))


PROFILES = available_profiles()


def load_profile(name_or_path: str | Path) -> Profile:
    """Load a bundled profile by name (see ``PROFILES``) or a profile file by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PROFILE_DIR / f"{name_or_path}.yaml"
    if not path.exists():
        raise FileNotFoundError(Message("profile.unknown", name=str(name_or_path), bundled=", ".join(PROFILES)))
    return Profile.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
