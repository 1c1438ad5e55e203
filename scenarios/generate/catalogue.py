"""The item catalogue (``catalogue.yaml``): what each department inspects on each object type, in published wording.

The generator builds a scenario's item list from it: an item is one catalogue entry on one object type, so
a task only ever inspects items its departments hold for its object type. Loading checks the catalogue
itself: sources cited, no entry twice, and an entry that needs a qualification only on object types that
call for it (``qualifications``), so radiation is never required of a restaurant visit.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from scenarios.model import ItemKind

__all__ = ["CatalogueEntry", "Catalogue", "load_catalogue", "merged_item_codes", "CATALOGUE_FILE"]

CATALOGUE_FILE = Path(__file__).resolve().parent / "catalogue.yaml"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CatalogueEntry(_Frozen):
    """One item a department holds, with the object types it applies to."""

    name: str = Field(min_length=1, description="Item name in the wording of its source")
    kind: ItemKind
    types: list[str] | Literal["any"] = Field(description="Object-type ids, or 'any'")
    qualification: str | None = Field(default=None, description="Qualification an officer on the team must hold")
    law: str | None = Field(default=None, description="What the item rests on (抽查依据)")
    source: str = Field(description="Key of the catalogue's sources")
    code: str | None = Field(default=None, description="Fixed item id (e.g. 龙湾's A99); else numbered per department")
    note: str | None = None

    def applies_to(self, object_type: str) -> bool:
        return self.types == "any" or object_type in self.types


class Catalogue(_Frozen):
    """Departments' items; which object types call for each qualification; the sources cited."""

    sources: dict[str, str]
    qualifications: dict[str, list[str]]
    items: dict[str, list[CatalogueEntry]]

    @model_validator(mode="after")
    def _consistent(self) -> "Catalogue":
        problems = []
        codes: set[str] = set()
        for dept, entries in self.items.items():
            names = [e.name for e in entries]
            problems += [f"{dept}: {n!r} listed twice" for n in sorted({n for n in names if names.count(n) > 1})]
            for e in entries:
                if e.source not in self.sources:
                    problems.append(f"{dept} {e.name!r}: source {e.source!r} is not in sources")
                if e.code is not None:
                    if e.code in codes:
                        problems.append(f"{dept} {e.name!r}: code {e.code} used twice")
                    codes.add(e.code)
                if e.qualification is None:
                    continue
                allowed = self.qualifications.get(e.qualification)
                if allowed is None:
                    problems.append(f"{dept} {e.name!r}: qualification {e.qualification!r} is not in qualifications")
                elif e.types == "any" or set(e.types) - set(allowed):
                    extra = "any" if e.types == "any" else ", ".join(sorted(set(e.types) - set(allowed)))
                    problems.append(f"{dept} {e.name!r} needs {e.qualification!r}, which {extra} does not call for")
        if problems:
            raise ValueError("catalogue: " + "; ".join(problems))
        return self

    def entries(self, department: str, object_type: str) -> list[CatalogueEntry]:
        """The department's items for the object type, in catalogue order (coded items excluded)."""
        return [e for e in self.items.get(department, []) if e.code is None and e.applies_to(object_type)]

    def entry(self, department: str, name: str) -> CatalogueEntry | None:
        return next((e for e in self.items.get(department, []) if e.name == name), None)

    def coded(self, code: str) -> tuple[str, CatalogueEntry] | None:
        """The department and entry carrying a fixed item id."""
        return next(((d, e) for d, es in self.items.items() for e in es if e.code == code), None)

    def calls_for(self, object_type: str) -> set[str]:
        """Qualifications an inspection of this object type may require."""
        return {q for q, types in self.qualifications.items() if object_type in types}


@cache
def _load(path: Path) -> Catalogue:
    return Catalogue.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """The bundled catalogue, or one at ``path``. Raises ValueError on an inconsistent catalogue."""
    return _load(Path(path).resolve() if path else CATALOGUE_FILE)


def merged_item_codes(policy: str, year: int) -> list[str]:
    """Item ids the policy merges into every task (龙湾: A99, A100, A101 …), as in force on 31 December."""
    from rules.law.loader import (
        load_policy,  # the law decides; read lazily so profiles load without it
    )

    values = load_policy(policy).at(dt.date(year, 12, 31)).values
    return list(values.get("merged_general_items") or [])
